//! JSON responses and the contract's error bodies.

use auth_core::error::{ErrorBody, ErrorCode};
use auth_core::usecases::Problem;
use serde::Serialize;
use worker::console_error;
use worker::{Headers, Response, Result};

/// A JSON response with the given status.
pub fn json<T: Serialize>(status: u16, body: &T) -> Result<Response> {
    Ok(Response::from_json(body)?.with_status(status))
}

/// The contract's error body, sent with the status its code owns.
pub fn error(body: ErrorBody) -> Result<Response> {
    let response = json(body.http_status(), &body)?;
    // For the metrics; stripped before the response leaves the worker.
    response
        .headers()
        .set(crate::metrics::CODE_HEADER, body.code.as_str())?;
    Ok(response)
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

/// A use case's error as its response. Server-side failures (5xx) are logged with their cause,
/// which names the failing backend or provider and never a code, token or secret.
pub fn failure(what: &str, problem: &Problem, cause: &dyn std::fmt::Display) -> Result<Response> {
    if problem.body.http_status() >= 500 {
        log_error(what, cause);
    }
    self::problem(problem)
}

/// One structured error line for operators.
pub fn log_error(what: &str, cause: &dyn std::fmt::Display) {
    console_error!(
        "{}",
        serde_json::json!({"level": "error", "msg": what, "cause": cause.to_string()})
    );
}

/// The 503 of a deployment whose configuration is unusable; the reason goes to the log only.
pub fn misconfigured(cause: &dyn std::fmt::Display) -> Response {
    log_error("configuration", cause);
    error_code(ErrorCode::ServiceUnavailable, "service misconfigured").unwrap_or_else(|_| {
        Response::error("service misconfigured", 503).expect("a plain response")
    })
}

/// The 503 of a backend that failed mid-request, with the cause logged.
pub fn unavailable(what: &str, cause: &dyn std::fmt::Display) -> Result<Response> {
    log_error(what, cause);
    error_code(
        ErrorCode::ServiceUnavailable,
        "service temporarily unavailable",
    )
}

/// Marks a response with the authenticated user, for the access log (which strips the mark).
pub fn with_user(response: Result<Response>, user_id: &str) -> Result<Response> {
    let response = response?;
    response
        .headers()
        .set(crate::access_log::USER_HEADER, user_id)?;
    Ok(response)
}

/// Replaces the content type (a body constructor may have set one already).
pub fn with_content_type(response: Response, content_type: &str) -> Result<Response> {
    response.headers().set("content-type", content_type)?;
    Ok(response)
}
