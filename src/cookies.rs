//! Cookie mode (`COOKIE_MODE=on`): tokens in HttpOnly cookies for browser clients, with a
//! double-submit CSRF token. A request that authenticates by cookie and changes state must echo
//! the readable `__Host-csrf_token` cookie in `X-CSRF-Token` (checked centrally before any handler, by
//! `auth_core::policy`); a cross-site page can make the browser send the cookies but cannot read
//! the token.

use crate::outcome::Outcome;
use auth_core::ports::SecureRandom;
use auth_core::routes::cookies::{ACCESS, CSRF, REFRESH, SESSION};
use auth_core::secrets::random_token;

/// `name=value` with the attributes every auth cookie shares. HttpOnly unless it is the CSRF
/// token, which the page's script must read.
fn cookie(name: &str, value: &str, path: &str, max_age: u32, http_only: bool) -> String {
    let http_only = if http_only { "; HttpOnly" } else { "" };
    format!("{name}={value}; Path={path}; Max-Age={max_age}{http_only}; Secure; SameSite=Lax")
}

/// A fresh CSRF token: set as a readable cookie and, since a page on another allowed origin
/// cannot read this API's cookies, also given in the login or refresh body.
pub fn new_csrf_token(rng: &impl SecureRandom) -> Result<String, Outcome> {
    random_token(rng, 32).map_err(|e| Outcome::from(worker::Error::RustError(e.to_string())))
}

/// Sets the access token (sent everywhere), the refresh token (sent only to the auth API), the
/// CSRF token and the session id.
pub fn set_tokens(
    outcome: Outcome,
    access_token: &str,
    access_ttl: u32,
    refresh_token: &str,
    refresh_ttl: u32,
    session_id: &str,
    csrf: &str,
) -> Result<Outcome, Outcome> {
    outcome
        .with_header(
            "set-cookie",
            &cookie(ACCESS, access_token, "/", access_ttl, true),
        )?
        .with_header(
            "set-cookie",
            &cookie(REFRESH, refresh_token, "/api/v1/auth", refresh_ttl, true),
        )?
        .with_header("set-cookie", &cookie(CSRF, csrf, "/", refresh_ttl, false))?
        // The session the tokens belong to (login mints it), replacing send-otp's, which only
        // bound the code.
        .with_header("set-cookie", &session(session_id, refresh_ttl))
}

/// The session id cookie: send-otp's (binding the code), then the session's from login on.
pub fn session(session_id: &str, max_age: u32) -> String {
    cookie(SESSION, session_id, "/api/v1/auth", max_age, true)
}

/// Expires every auth cookie (logout).
pub fn clear_all(mut outcome: Outcome) -> Result<Outcome, Outcome> {
    for (name, path, http_only) in [
        (ACCESS, "/", true),
        (REFRESH, "/api/v1/auth", true),
        (SESSION, "/api/v1/auth", true),
        (CSRF, "/", false),
    ] {
        outcome = outcome.with_header("set-cookie", &cookie(name, "", path, 0, http_only))?;
    }
    Ok(outcome)
}
