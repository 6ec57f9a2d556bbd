//! The route table. Each handler lives in its own module; this one only dispatches.

mod health;

use crate::http;
use auth_core::ErrorCode;
use worker::{Env, Method, Request, Response, Result};

pub async fn handle(request: Request, env: Env) -> Result<Response> {
    let path = request.path();
    match (request.method(), path.as_str()) {
        (Method::Get, "/health") | (Method::Get, "/live") => health::live(),
        (Method::Get, "/ready") => health::ready(&env).await,
        (_, "/health") | (_, "/live") | (_, "/ready") => {
            http::error_code(ErrorCode::MethodNotAllowed, "method not allowed")
        }
        _ => http::error_code(ErrorCode::NotFound, "not found"),
    }
}
