//! JSON responses and the contract's error bodies.

use auth_core::error::{ErrorBody, ErrorCode};
use auth_core::usecases::Problem;
use serde::Serialize;
use worker::{Headers, Response, Result};

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

/// A use case's error: its body, plus `Retry-After` on a 429.
pub fn problem(problem: &Problem) -> Result<Response> {
    let response = error(problem.body.clone())?;
    match problem.retry_after_secs {
        Some(secs) => with_header(response, "retry-after", &secs.to_string()),
        None => Ok(response),
    }
}

/// Adds one header to a response.
pub fn with_header(response: Response, name: &str, value: &str) -> Result<Response> {
    let headers = Headers::new();
    for (k, v) in response.headers().entries() {
        headers.append(&k, &v)?;
    }
    headers.append(name, value)?;
    Ok(response.with_headers(headers))
}

/// An HttpOnly, Secure, SameSite=Lax cookie for the auth API.
pub fn cookie(name: &str, value: &str, max_age_secs: u32) -> String {
    format!(
        "{name}={value}; Path=/api/v1/auth; Max-Age={max_age_secs}; HttpOnly; Secure; SameSite=Lax"
    )
}
