//! What handlers take from a request beyond its body: the authenticated caller of a bearer
//! route, and the refresh token of a refresh or logout.

use crate::context::Ctx;
use crate::dpop::{self, Replay};
use crate::outcome::{Handled, Outcome};
use crate::platform::WorkerClock;
use auth_core::domain::account::UserId;
use auth_core::domain::regions::RegionId;
use auth_core::domain::session::SessionId;
use auth_core::domain::token;
use auth_core::http::error::ErrorCode;
use auth_core::ports::Clock;

/// The 401 of a missing or bad access token, with the challenge RFC 6750 asks for.
fn unauthorized(message: &str) -> Outcome {
    let refused = Outcome::code(ErrorCode::Unauthorized, message);
    match refused.with_header("www-authenticate", "Bearer") {
        Ok(outcome) | Err(outcome) => outcome,
    }
}

/// Who a valid access token speaks for: its user and session, and the data region holding them.
pub struct Caller {
    pub user: UserId,
    pub session: SessionId,
    pub region: RegionId,
    /// The region's name (`None` without regions), for the answer's metrics.
    pub region_name: Option<String>,
}

impl Outcome {
    /// Names the caller in the answer: its user for the log, its region for the metrics (an
    /// admin request counts under its caller's region, even when it reads every region).
    pub fn for_caller(self, caller: &Caller) -> Self {
        self.for_user(caller.user.as_str())
            .in_region(caller.region_name.as_deref())
    }
}

/// A handler's result named for its caller, whichever way it ended.
pub fn for_caller(caller: &Caller, handled: Handled) -> Handled {
    match handled {
        Ok(outcome) => Ok(outcome.for_caller(caller)),
        Err(outcome) => Err(outcome.for_caller(caller)),
    }
}

/// How the access token came: `Authorization: Bearer`, `Authorization: DPoP` (RFC 9449 §7.1),
/// or in cookie mode the access-token cookie.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Scheme {
    Bearer,
    DPoP,
    Cookie,
}

/// The request's access token and how it came; `Err` is the 401 of none.
fn presented_token(ctx: &Ctx) -> Result<(String, Scheme), Outcome> {
    let Some(header) = ctx.header("authorization") else {
        return ctx
            .mode_cookie(ctx.cookie_names()?.access)?
            .map(|token| (token, Scheme::Cookie))
            .ok_or_else(|| unauthorized("missing bearer token"));
    };
    let (scheme, token) = header
        .split_once(' ')
        .ok_or_else(|| unauthorized("missing bearer token"))?;
    // Schemes are case-insensitive (RFC 9110 §11.1).
    let scheme = match scheme.to_ascii_lowercase().as_str() {
        "bearer" => Scheme::Bearer,
        "dpop" => Scheme::DPoP,
        _ => return Err(unauthorized("missing bearer token")),
    };
    Ok((token.trim().to_owned(), scheme))
}

/// The caller of the request's valid access token: `Authorization: Bearer`, or in cookie mode
/// the access-token cookie; a token bound to a DPoP key, only with `Authorization: DPoP` (or
/// the cookie) and a proof by that key. `Err` is the 401 (or the 503 of a misconfigured
/// deployment, or of a replay store that did not answer).
pub async fn caller(ctx: &Ctx) -> Result<Caller, Outcome> {
    let (token, scheme) = presented_token(ctx)?;
    // A genuine token always names a user and session we made, in a region of ours (a token
    // without `rgn` predates regions: the default region's); anything else is refused alike.
    let v = verified(ctx, &token)
        .await?
        .ok_or_else(|| unauthorized("invalid or expired access token"))?;
    match (v.claims.jkt(), scheme) {
        // A bound token presented as a bearer token, or a bearer token as a bound one: the
        // client has the scheme wrong, and the token proves nothing alone.
        (Some(_), Scheme::Bearer) | (None, Scheme::DPoP) => {
            let refused = Outcome::code(
                ErrorCode::Unauthorized,
                "the token's scheme is not the one it was issued for",
            );
            return Err(dpop::challenge(refused, "invalid_token"));
        }
        (Some(jkt), _) => {
            let proved =
                dpop::proved_key(ctx, Some((&token, jkt)), Replay::TakeIn(v.region)).await?;
            if proved.is_none() {
                let refused = Outcome::code(
                    ErrorCode::InvalidDpopProof,
                    "a DPoP proof is required with this token",
                );
                return Err(dpop::challenge(refused, "invalid_dpop_proof"));
            }
        }
        (None, _) => {}
    }
    Ok(Caller {
        region_name: ctx.region_name(v.region)?,
        user: v.user,
        session: v.session,
        region: v.region,
    })
}

/// A genuine, unexpired access token of ours: a bearer route's, or one an OAuth endpoint takes
/// from a form.
pub struct Verified {
    pub claims: token::Claims,
    pub user: UserId,
    pub session: SessionId,
    pub region: RegionId,
}

/// `token` verified as every bearer route verifies it; `None` when it is not a live token of
/// ours (forged, expired, another audience, or naming no user, session or region of ours).
/// `Err` is the 503 of a misconfigured deployment.
pub async fn verified(ctx: &Ctx, token: &str) -> Result<Option<Verified>, Outcome> {
    let auth = ctx.auth()?;
    let ring = ctx.keyring().await?;
    let Ok(claims) = token::verify(&*ring, &auth.settings, token, WorkerClock.now()).await else {
        return Ok(None);
    };
    let region = ctx.config()?.regions.of_tag(claims.rgn.as_deref());
    Ok(
        match (
            UserId::parse(&claims.sub),
            SessionId::parse(&claims.sid),
            region,
        ) {
            (Ok(user), Ok(session), Some(region)) => Some(Verified {
                claims,
                user,
                session,
                region,
            }),
            _ => None,
        },
    )
}

/// The 401 of a genuine token whose session was revoked or has expired.
pub fn session_gone() -> Outcome {
    Outcome::code(ErrorCode::Unauthorized, "session is no longer active")
}

/// The refresh token of the request: from the body, or in cookie mode from the cookie (the
/// central CSRF check has already run for a request that carries it).
pub fn refresh_token(ctx: &Ctx, from_body: Option<String>) -> Result<Option<String>, Outcome> {
    match from_body {
        Some(token) => Ok(Some(token)),
        None => ctx.mode_cookie(ctx.cookie_names()?.refresh),
    }
}
