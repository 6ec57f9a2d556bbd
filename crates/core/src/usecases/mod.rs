//! The use cases: what each endpoint decides, over the ports. Each has its own error enum that
//! maps to the contract's error body in one place ([`Problem`]).

pub mod admin;
pub mod login;
pub mod refresh;
pub mod send_otp;

use crate::error::{ErrorBody, ErrorCode};
use crate::ports::BackendError;

/// An error as the client will see it: the body, and for 429s the `Retry-After` seconds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub body: ErrorBody,
    pub retry_after_secs: Option<u32>,
}

impl Problem {
    pub fn new(body: ErrorBody) -> Self {
        Self {
            body,
            retry_after_secs: None,
        }
    }

    pub fn retry_after(mut self, secs: u32) -> Self {
        self.retry_after_secs = Some(secs.max(1));
        self
    }
}

/// The answer to a backend that failed: 503 when it is down or slow (the client may retry),
/// 500 when it answered something that should not happen. The cause goes to the log only.
pub(crate) fn backend_body(error: &BackendError) -> ErrorBody {
    match error {
        BackendError::Unavailable(_) => ErrorBody::new(
            ErrorCode::ServiceUnavailable,
            "service temporarily unavailable",
        ),
        BackendError::Failed(_) => internal(),
    }
}

/// The answer to a failure of our own (a signer, the random source): 500.
pub(crate) fn internal() -> ErrorBody {
    ErrorBody::new(ErrorCode::Internal, "internal error")
}
