//! What a handler returns: the response, plus what the access log and the metrics need to know
//! of it (the contract's error code, a domain event, the authenticated user). Carrying these
//! beside the response, not in internal headers, means nothing can leak them to the client.

use auth_core::domain::quota::Quota;
use auth_core::http::api_profile::go_error;
use auth_core::http::error::{ErrorBody, ErrorCode};
use auth_core::http::metrics::{Event, OtpFacts};
use auth_core::http::oauth::oauth_body;
use auth_core::http::routes::{Credential, Route};
use auth_core::usecases::Problem;
use serde::Serialize;
use worker::{console_error, Response};

/// An answer and its facts.
pub struct Outcome {
    pub response: Response,
    pub code: Option<ErrorCode>,
    /// The error body sent, kept so a profile can answer it in its own words.
    error: Option<ErrorBody>,
    pub event: Option<Event>,
    pub user: Option<String>,
    /// A send's or a login's calling code and risk decision, for the metrics and the log.
    pub otp: Option<OtpFacts>,
    /// The data region the request worked in (with `DATA_REGIONS`), for the metrics' label.
    pub region: Option<String>,
}

/// A handler's result. `Err` is an early answer (a refusal, a failed backend): both sides are
/// sent the same way, and `?` works on anything that converts into an [`Outcome`].
pub type Handled = Result<Outcome, Outcome>;

/// A handler's result counted under the data region it worked in, whichever way it ended.
pub fn in_region(handled: Handled, region: Option<&str>) -> Handled {
    match handled {
        Ok(outcome) => Ok(outcome.in_region(region)),
        Err(outcome) => Err(outcome.in_region(region)),
    }
}

impl Outcome {
    pub fn from_response(response: Response) -> Self {
        Self {
            response,
            code: None,
            error: None,
            event: None,
            user: None,
            otp: None,
            region: None,
        }
    }

    /// A JSON answer with the given status.
    pub fn json<T: Serialize>(status: u16, body: &T) -> Result<Self, Outcome> {
        Ok(Self::from_response(
            Response::from_json(body)?.with_status(status),
        ))
    }

    /// A plain-text (or other non-JSON) answer with its content type.
    pub fn text(body: &str, content_type: &str) -> Result<Self, Outcome> {
        let response = Response::ok(body)?;
        // Set, not appended: the constructor gave it a content type of its own.
        response.headers().set("content-type", content_type)?;
        Ok(Self::from_response(response))
    }

    /// The contract's error body, sent with the status its code owns.
    pub fn error(body: ErrorBody) -> Self {
        let code = body.code;
        let response = Response::from_json(&body)
            .map(|r| r.with_status(body.http_status()))
            .unwrap_or_else(|_| plain(&body.error, body.http_status()));
        Self {
            code: Some(code),
            error: Some(body),
            ..Self::from_response(response)
        }
    }

    /// The error as the Go service answered it (otp-auth-v1): its code and status, the same
    /// message and details, every header kept (`Retry-After`, `WWW-Authenticate`, cookies).
    /// Anything but an error is unchanged.
    pub fn into_go(self, route: Option<&Route>) -> Outcome {
        let Some(body) = &self.error else {
            return self;
        };
        let credential = route.map_or(Credential::None, |r| r.credential);
        let go = go_error(body.code, route.map(|r| r.id), credential);
        let mut json = serde_json::json!({"error": body.error, "code": go.code});
        if let Some(details) = &body.details {
            json["details"] = details.clone().into();
        }
        let headers = self.response.headers().clone();
        match Response::from_json(&json) {
            Ok(response) => Outcome {
                response: response.with_status(go.status).with_headers(headers),
                ..self
            },
            Err(_) => self,
        }
    }

    /// The error as an OAuth endpoint answers it (`auth_core::http::oauth::oauth_body`): RFC
    /// 6749's `error` and `error_description`, the contract's `code` beside them, the status and
    /// every header kept. Anything but an error is unchanged.
    pub fn into_oauth(self) -> Outcome {
        let Some(body) = &self.error else {
            return self;
        };
        let headers = self.response.headers().clone();
        let status = self.response.status_code();
        match Response::from_json(&oauth_body(body)) {
            Ok(response) => Outcome {
                response: response.with_status(status).with_headers(headers),
                ..self
            },
            Err(_) => self,
        }
    }

    /// An error with no details.
    pub fn code(code: ErrorCode, message: &str) -> Self {
        Self::error(ErrorBody::new(code, message))
    }

    /// A use case's error: its body, `Retry-After` on a 429, and for a server-side failure a
    /// log line naming the cause (a backend or provider, never a code, token or secret).
    pub fn failure(what: &str, problem: &Problem, cause: &dyn std::fmt::Display) -> Self {
        if problem.body.http_status() >= 500 {
            log_error(what, cause);
        }
        let outcome = Self::error(problem.body.clone()).with_quota(problem.quota.as_ref());
        match problem.retry_after_secs {
            Some(secs) => outcome.header_or_keep("retry-after", &secs.to_string()),
            None => outcome,
        }
    }

    /// The IETF RateLimit header fields of the caller's quota, when there is one.
    pub fn with_quota(self, quota: Option<&Quota>) -> Self {
        match quota {
            Some(quota) => self
                .header_or_keep("ratelimit-policy", &quota.policy_field())
                .header_or_keep("ratelimit", &quota.field()),
            None => self,
        }
    }

    /// The 503 of a backend that failed mid-request, with the cause logged.
    pub fn unavailable(what: &str, cause: &dyn std::fmt::Display) -> Self {
        log_error(what, cause);
        Self::code(
            ErrorCode::ServiceUnavailable,
            "service temporarily unavailable",
        )
    }

    /// The 503 of a deployment whose configuration is unusable; the reason goes to the log only
    /// (it names settings, which is for operators).
    pub fn misconfigured(cause: &dyn std::fmt::Display) -> Self {
        log_error("configuration", cause);
        Self::code(ErrorCode::ServiceUnavailable, "service misconfigured")
    }

    /// Adds one header (appended: `set-cookie` may come several times).
    pub fn with_header(mut self, name: &str, value: &str) -> Result<Self, Outcome> {
        self.response.headers_mut().append(name, value)?;
        Ok(self)
    }

    /// Adds a header whose value is known to be valid; a refusal keeps the answer as it is.
    fn header_or_keep(mut self, name: &str, value: &str) -> Self {
        let _ = self.response.headers_mut().append(name, value);
        self
    }

    /// Names the authenticated user, for the access log.
    pub fn for_user(mut self, user_id: &str) -> Self {
        self.user = Some(user_id.to_owned());
        self
    }

    /// Names the data region the request worked in (`None` without regions), for the metrics.
    pub fn in_region(mut self, region: Option<&str>) -> Self {
        self.region = region.map(str::to_owned);
        self
    }

    /// Adds what a send or a login says of its number and risk, for the metrics and the log.
    pub fn with_otp(mut self, facts: OtpFacts) -> Self {
        self.otp = Some(facts);
        self
    }

    /// Marks a domain event, for the metrics.
    pub fn with_event(mut self, event: Event) -> Self {
        self.event = Some(event);
        self
    }
}

/// A failure of the runtime itself (building a response, a header the runtime refused): a 500
/// whose cause is logged.
impl From<worker::Error> for Outcome {
    fn from(error: worker::Error) -> Self {
        log_error("runtime", &error);
        Self::code(ErrorCode::Internal, "internal error")
    }
}

/// A refusal of the contract (a policy, a malformed body) as its answer.
impl From<ErrorBody> for Outcome {
    fn from(body: ErrorBody) -> Self {
        Self::error(body)
    }
}

/// The last resort when even a JSON body cannot be built.
fn plain(message: &str, status: u16) -> Response {
    Response::error(message, status).expect("a plain response always builds")
}

/// One structured error line for operators.
pub fn log_error(what: &str, cause: &dyn std::fmt::Display) {
    console_error!(
        "{}",
        serde_json::json!({"level": "error", "msg": what, "cause": cause.to_string()})
    );
}
