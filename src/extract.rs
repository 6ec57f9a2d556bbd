//! What handlers take from a request beyond its body: the authenticated caller of a bearer
//! route, and the refresh token of a refresh or logout.

use crate::context::Ctx;
use crate::outcome::Outcome;
use crate::platform::WorkerClock;
use auth_core::error::ErrorCode;
use auth_core::ports::Clock;
use auth_core::routes::cookies;
use auth_core::token::{self, Claims};

/// The 401 of a missing or bad access token, with the challenge RFC 6750 asks for.
fn unauthorized(message: &str) -> Outcome {
    let refused = Outcome::code(ErrorCode::Unauthorized, message);
    match refused.with_header("www-authenticate", "Bearer") {
        Ok(outcome) | Err(outcome) => outcome,
    }
}

/// The claims of the request's valid access token: `Authorization: Bearer`, or in cookie mode
/// the access-token cookie. `Err` is the 401 (or the 503 of a misconfigured deployment).
pub async fn caller(ctx: &Ctx) -> Result<Claims, Outcome> {
    let otp = ctx.otp()?;
    let ring = ctx.keyring().await?;
    let token = match ctx.header("authorization") {
        Some(header) => header
            .strip_prefix("Bearer ")
            .or_else(|| header.strip_prefix("bearer "))
            .map(str::to_owned)
            .ok_or_else(|| unauthorized("missing bearer token"))?,
        None => ctx
            .mode_cookie(cookies::ACCESS)?
            .ok_or_else(|| unauthorized("missing bearer token"))?,
    };
    token::verify(&*ring, &otp.settings, token.trim(), WorkerClock.now())
        .await
        .map_err(|_| unauthorized("invalid or expired access token"))
}

/// The refresh token of the request: from the body, or in cookie mode from the cookie (the
/// central CSRF check has already run for a request that carries it).
pub fn refresh_token(ctx: &Ctx, from_body: Option<String>) -> Result<Option<String>, Outcome> {
    match from_body {
        Some(token) => Ok(Some(token)),
        None => ctx.mode_cookie(cookies::REFRESH),
    }
}
