//! The otp-auth-v1 profile's request limit (`auth_core::http::api_profile::rate_limit`): each `/api/v1`
//! request is counted for its client before anything else runs, refused with 429 over the
//! limit, and every answer carries the `X-RateLimit-*` headers with the count Redis returned.
//! Like the Go service, a failed count lets the request through without the headers: the limit
//! must not turn a Redis outage into an outage of every route (send-otp and login keep their
//! own limits, which fail closed).

use crate::config::{AuthConfig, Config};
use crate::outcome::{log_error, Outcome};
use crate::platform::WorkerClock;
use auth_adapters::upstash::count_request;
use auth_core::domain::client_address;
use auth_core::http::api_profile::rate_limit::{counter_key, RequestLimit};
use auth_core::http::error::{ErrorBody, ErrorCode};
use auth_core::ports::Clock;

/// One request counted: where its client stands in the window.
pub struct Counted {
    limit: RequestLimit,
    count: u64,
    now: i64,
}

/// Counts the request of `client_ip`; `None` when the count could not be had.
pub async fn count(config: &Config, auth: &AuthConfig, client_ip: &str) -> Option<Counted> {
    let limit = auth.request_limit;
    let now = WorkerClock.now();
    let bucket = client_address::bucket(client_ip, auth.settings.ipv6_prefix_len);
    let key = counter_key(&config.redis_key_prefix, &bucket, limit.window(now).0);
    match count_request(&config.redis(), &key, limit.window_secs).await {
        Ok(count) => Some(Counted { limit, count, now }),
        Err(error) => {
            log_error("request limit: count failed, request let through", &error);
            None
        }
    }
}

impl Counted {
    pub fn exceeded(&self) -> bool {
        self.limit.exceeded(self.count)
    }

    /// The 429 of a client over the limit (the Go codes come at the exit), with `Retry-After`
    /// until its window ends.
    pub fn refusal(&self) -> Outcome {
        let wait = (self.limit.window(self.now).1 - self.now).max(1);
        let body =
            ErrorBody::new(ErrorCode::RateLimited, "Rate limit exceeded").with_details(format!(
                "{} requests per {} s; the window ends in {wait} s",
                self.limit.requests, self.limit.window_secs
            ));
        let refused = Outcome::error(body);
        match refused.with_header("retry-after", &wait.to_string()) {
            Ok(outcome) | Err(outcome) => outcome,
        }
    }

    /// The answer with the client's standing in the `X-RateLimit-*` headers.
    pub fn decorate(&self, mut outcome: Outcome) -> Outcome {
        for (name, value) in self.limit.headers(self.count, self.now) {
            outcome = match outcome.with_header(name, &value) {
                Ok(outcome) | Err(outcome) => outcome,
            };
        }
        outcome
    }
}
