//! JSON responses and the contract's error bodies.

use auth_core::error::{ErrorBody, ErrorCode};
use serde::Serialize;
use worker::{Response, Result};

/// A JSON response with the given status.
pub fn json<T: Serialize>(status: u16, body: &T) -> Result<Response> {
    Ok(Response::from_json(body)?.with_status(status))
}

/// The contract's error body, sent with the status its code owns.
pub fn error(body: ErrorBody) -> Result<Response> {
    json(body.http_status(), &body)
}

/// Shorthand for an error with no details.
pub fn error_code(code: ErrorCode, message: &str) -> Result<Response> {
    error(ErrorBody::new(code, message))
}
