//! The use cases: what each endpoint decides, over the ports. Each has its own error enum that
//! maps to the contract's error body in one place ([`Problem`]).

pub mod login;
pub mod refresh;
pub mod send_otp;

use crate::error::ErrorBody;

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
