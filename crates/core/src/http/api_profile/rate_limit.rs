//! The Go service's request limit (otp-auth-v1): every `/api/v1` request counts against its
//! client's window, and every answer says where the client stands in `X-RateLimit-Limit`,
//! `-Remaining`, `-Reset` (unix seconds) and `-Window` (a Go duration, `1m0s`). Over the limit
//! the request is refused with 429 before anything else runs. The count is a real Redis counter
//! per client (an IPv4 address or an IPv6 prefix) and fixed window; `Reset` is when that window
//! ends.

use super::health::go_duration;

/// Requests allowed per client in each window.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RequestLimit {
    pub requests: u32,
    pub window_secs: u32,
}

/// The Go service's default: 100 requests a minute per client.
pub const GO_DEFAULT: RequestLimit = RequestLimit {
    requests: 100,
    window_secs: 60,
};

impl RequestLimit {
    /// `API_RATE_LIMIT_REQUESTS` and `API_RATE_LIMIT_WINDOW_SECONDS`, each defaulting to the Go
    /// service's.
    pub fn parse(requests: Option<&str>, window_secs: Option<&str>) -> Result<Self, String> {
        let number = |name: &str, value: Option<&str>, default: u32| match value {
            None => Ok(default),
            Some(v) => v
                .trim()
                .parse::<u32>()
                .ok()
                .filter(|n| *n >= 1)
                .ok_or_else(|| format!("{name} must be a whole number from 1, not {v:?}")),
        };
        Ok(Self {
            requests: number("API_RATE_LIMIT_REQUESTS", requests, GO_DEFAULT.requests)?,
            window_secs: number(
                "API_RATE_LIMIT_WINDOW_SECONDS",
                window_secs,
                GO_DEFAULT.window_secs,
            )?,
        })
    }

    /// The window `now` falls in: its number (part of the counter's key) and when it ends.
    pub fn window(&self, now: i64) -> (i64, i64) {
        let length = i64::from(self.window_secs);
        let index = now.div_euclid(length);
        (index, (index + 1) * length)
    }

    /// Whether the `count`th request of a window is over the limit.
    pub fn exceeded(&self, count: u64) -> bool {
        count > u64::from(self.requests)
    }

    /// The headers of an answer to the `count`th request of the window `now` is in.
    pub fn headers(&self, count: u64, now: i64) -> [(&'static str, String); 4] {
        let remaining = u64::from(self.requests).saturating_sub(count);
        [
            ("x-ratelimit-limit", self.requests.to_string()),
            ("x-ratelimit-remaining", remaining.to_string()),
            ("x-ratelimit-reset", self.window(now).1.to_string()),
            (
                "x-ratelimit-window",
                go_duration(u64::from(self.window_secs) * 1000),
            ),
        ]
    }
}

/// The counter's key for a client's bucket in a window; the bucket is the hash tag, so a
/// Redis Cluster keeps each client's counters on one node.
pub fn counter_key(prefix: &str, bucket: &str, window: i64) -> String {
    format!("{prefix}requests:{{{bucket}}}:{window}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_headers_say_what_is_left_of_the_window_and_when_it_ends() {
        let limit = RequestLimit::parse(Some("3"), Some("600")).unwrap();
        let now = 1_700_000_123;
        let headers = limit.headers(1, now);
        assert_eq!(
            headers.map(|(_, v)| v),
            [
                "3".to_owned(),
                "2".to_owned(),
                "1700000400".to_owned(),
                "10m0s".to_owned()
            ]
        );
        assert_eq!(limit.headers(5, now)[1].1, "0", "never negative");
        assert!(!limit.exceeded(3));
        assert!(limit.exceeded(4));
        assert_eq!(limit.window(now), (2_833_333, 1_700_000_400));
    }

    #[test]
    fn the_settings_default_to_the_go_service_and_refuse_nonsense() {
        assert_eq!(RequestLimit::parse(None, None), Ok(GO_DEFAULT));
        assert_eq!(GO_DEFAULT.headers(0, 0)[3].1, "1m0s");
        for bad in ["0", "-1", "many"] {
            assert!(RequestLimit::parse(Some(bad), None).is_err(), "{bad}");
            assert!(RequestLimit::parse(None, Some(bad)).is_err(), "{bad}");
        }
    }

    #[test]
    fn a_clients_counters_share_one_hash_tag() {
        assert_eq!(
            counter_key("p:", "2001:db8::/64", 9),
            "p:requests:{2001:db8::/64}:9"
        );
    }
}
