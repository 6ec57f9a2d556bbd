//! The route table. Each handler lives in its own module; this one only dispatches.

mod auth;
mod health;
mod session;
mod users;

use crate::access_log;
use crate::cors::Cors;
use crate::metrics;
use crate::{http, request};
use auth_core::metrics::Answered;
use auth_core::ErrorCode;
use worker::{Context, Env, Method, Request, Response, Result};

/// Every fixed path the worker serves: tells 405 (known path, wrong method) from 404, and names
/// routes in the access log and the metrics.
pub const PATHS: &[&str] = &[
    "/health",
    "/live",
    "/ready",
    "/api/v1/auth/send-otp",
    "/api/v1/auth/login",
    "/api/v1/auth/refresh",
    "/api/v1/auth/logout",
    "/api/v1/auth/sessions",
    "/.well-known/jwks.json",
    "/api/v1/users/profile",
    "/api/v1/users",
    "/metrics",
    "/openapi.yaml",
];

/// The OpenAPI document of this API: the source of truth for clients, checked by the tests.
const OPENAPI: &str = include_str!("../../openapi/openapi.yaml");

/// `DELETE /api/v1/auth/sessions/{id}`.
const SESSIONS_PREFIX: &str = "/api/v1/auth/sessions/";
/// `GET /api/v1/users/{id}`.
const USERS_PREFIX: &str = "/api/v1/users/";

/// Answers one request: CORS preflights first, then the route, with CORS headers added for
/// allowed origins.
pub async fn handle(request: Request, env: Env, ctx: Context) -> Result<Response> {
    let entry = access_log::Entry::begin(&request);
    let origin = request::header(&request, "origin");
    let cors = Cors::from_env(&env);
    let mut response = if request.method() == Method::Options {
        cors.preflight(origin.as_deref())?
    } else {
        let response = dispatch(request, &env).await?;
        cors.decorate(origin.as_deref(), response)?
    };
    let markers = metrics::take_markers(&mut response);
    metrics::record(
        &ctx,
        &env,
        &Answered {
            route: entry.route(),
            status: response.status_code(),
            code: markers.code.as_deref(),
            event: markers.event.as_deref(),
            latency_ms: entry.elapsed_ms(),
        },
    );
    entry.finish(&mut response);
    Ok(response)
}

async fn dispatch(request: Request, env: &Env) -> Result<Response> {
    let path = request.path();
    match (request.method(), path.as_str()) {
        (Method::Get, "/health") | (Method::Get, "/live") => health::live(),
        (Method::Get, "/ready") => health::ready(env).await,
        (Method::Post, "/api/v1/auth/send-otp") => auth::send_otp_route(request, env).await,
        (Method::Post, "/api/v1/auth/login") => auth::login_route(request, env).await,
        (Method::Post, "/api/v1/auth/refresh") => session::refresh_route(request, env).await,
        (Method::Post, "/api/v1/auth/logout") => session::logout_route(request, env).await,
        (Method::Get, "/api/v1/auth/sessions") => session::list_route(request, env).await,
        (Method::Delete, p) if p.starts_with(SESSIONS_PREFIX) => {
            let target = p[SESSIONS_PREFIX.len()..].to_owned();
            session::revoke_route(request, env, &target).await
        }
        (Method::Get, "/metrics") => metrics::scrape_route(request, env).await,
        (Method::Get, "/openapi.yaml") => {
            let response = Response::ok(OPENAPI)?;
            http::with_content_type(response, "application/yaml; charset=utf-8")
        }
        (Method::Get, "/.well-known/jwks.json") => users::jwks(env).await,
        #[cfg(feature = "bench")]
        (Method::Get, "/__bench/sign") => crate::bench::sign_route(request, env).await,
        (Method::Get, "/api/v1/users/profile") => users::profile(request, env).await,
        (Method::Get, "/api/v1/users") => users::admin(request, env, None).await,
        (Method::Get, p) if p.starts_with(USERS_PREFIX) => {
            let id = p[USERS_PREFIX.len()..].to_owned();
            users::admin(request, env, Some(&id)).await
        }
        (_, path) if PATHS.contains(&path) => {
            http::error_code(ErrorCode::MethodNotAllowed, "method not allowed")
        }
        _ => http::error_code(ErrorCode::NotFound, "not found"),
    }
}
