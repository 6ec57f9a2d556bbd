//! Cookie mode (`COOKIE_MODE=on`): tokens in HttpOnly cookies for browser clients, with a
//! double-submit CSRF token. A request that authenticates by cookie and changes state must echo
//! the readable `csrf_token` cookie in `X-CSRF-Token`; a cross-site page can make the browser
//! send the cookies but cannot read the token.

use crate::http;
use crate::request;
use auth_core::error::ErrorCode;
use auth_core::ports::SecureRandom;
use auth_core::secrets::random_token;
use worker::{Request, Response, Result};

pub const ACCESS: &str = "access_token";
pub const REFRESH: &str = "refresh_token";
pub const SESSION: &str = "session_id";
pub const CSRF: &str = "csrf_token";
pub const CSRF_HEADER: &str = "x-csrf-token";

/// `name=value` with the attributes every auth cookie shares. HttpOnly unless it is the CSRF
/// token, which the page's script must read.
fn cookie(name: &str, value: &str, path: &str, max_age: u32, http_only: bool) -> String {
    let http_only = if http_only { "; HttpOnly" } else { "" };
    format!("{name}={value}; Path={path}; Max-Age={max_age}{http_only}; Secure; SameSite=Lax")
}

/// Sets the access token (sent everywhere), the refresh token (sent only to the auth API), and
/// a fresh CSRF token.
pub fn set_tokens(
    response: Response,
    access_token: &str,
    access_ttl: u32,
    refresh_token: &str,
    refresh_ttl: u32,
    rng: &impl SecureRandom,
) -> Result<Response> {
    let csrf = random_token(rng, 32).map_err(|e| worker::Error::RustError(e.to_string()))?;
    let response = http::with_header(
        response,
        "set-cookie",
        &cookie(ACCESS, access_token, "/", access_ttl, true),
    )?;
    let response = http::with_header(
        response,
        "set-cookie",
        &cookie(REFRESH, refresh_token, "/api/v1/auth", refresh_ttl, true),
    )?;
    http::with_header(
        response,
        "set-cookie",
        &cookie(CSRF, &csrf, "/", refresh_ttl, false),
    )
}

/// The session id cookie set by send-otp.
pub fn session(session_id: &str, max_age: u32) -> String {
    cookie(SESSION, session_id, "/api/v1/auth", max_age, true)
}

/// Expires every auth cookie (logout).
pub fn clear_all(mut response: Response) -> Result<Response> {
    for (name, path, http_only) in [
        (ACCESS, "/", true),
        (REFRESH, "/api/v1/auth", true),
        (SESSION, "/api/v1/auth", true),
        (CSRF, "/", false),
    ] {
        response = http::with_header(
            response,
            "set-cookie",
            &cookie(name, "", path, 0, http_only),
        )?;
    }
    Ok(response)
}

/// The double-submit check: the header equals the cookie, compared in constant time.
pub fn csrf_ok(req: &Request) -> bool {
    match (
        request::cookie(req, CSRF),
        request::header(req, CSRF_HEADER),
    ) {
        (Some(cookie), Some(header)) if cookie.len() == header.len() => {
            cookie
                .bytes()
                .zip(header.bytes())
                .fold(0u8, |acc, (a, b)| acc | (a ^ b))
                == 0
        }
        _ => false,
    }
}

/// The 403 for a cookie-authenticated request without a matching CSRF token.
pub fn csrf_refused() -> Result<Response> {
    http::error_code(ErrorCode::Forbidden, "missing or wrong X-CSRF-Token")
}
