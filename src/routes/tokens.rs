//! `POST /api/v1/auth/refresh` and `POST /api/v1/auth/logout`.
//!
//! Under the otp-auth-v1 profile both take no body, as the Go service's clients send none: the
//! refresh token and session id come from their cookies (both required for a refresh), and
//! logout answers 200 whatever the client held, as the Go service did.

use crate::context::Ctx;
use crate::cookies::Jar;
use crate::dpop::{self, Replay};
use crate::extract;
use crate::outcome::{in_region, Handled, Outcome};
use crate::platform::{WebCryptoRandom, WorkerClock};
use crate::responses;
use auth_core::domain::regions::RegionId;
use auth_core::http::api_profile::ApiProfile;
use auth_core::http::bodies::{LogoutBody, RefreshBody};
use auth_core::http::error::ErrorCode;
use auth_core::usecases::refresh::{logout as logout_use_case, refresh as refresh_use_case};
use auth_core::usecases::refresh::{LogoutError, RefreshDeps, RefreshInput};
use serde_json::json;

/// The refresh token and session id a refresh presents: from the body (or, in cookie mode, the
/// cookies) natively; from the cookies alone under otp-auth-v1, where both are required.
fn presented(ctx: &Ctx, profile: ApiProfile) -> Result<(Option<String>, Option<String>), Outcome> {
    let names = profile.cookies();
    if profile == ApiProfile::OtpAuthV1 {
        let missing = |what: &str| {
            Outcome::code(
                ErrorCode::InvalidRefreshToken,
                &format!("{what} not found in cookies"),
            )
        };
        let token = ctx
            .cookie(names.refresh)
            .ok_or_else(|| missing("refresh token"))?;
        let session = ctx
            .cookie(names.session)
            .ok_or_else(|| missing("session id"))?;
        return Ok((Some(token), Some(session)));
    }
    let body: RefreshBody = ctx.json()?;
    let token = extract::refresh_token(ctx, body.refresh_token)?;
    let session = body.session_id.or(ctx.mode_cookie(names.session)?);
    Ok((token, session))
}

pub async fn refresh(ctx: &Ctx) -> Handled {
    let auth = ctx.auth()?;
    let (token, session) = presented(ctx, auth.api_profile)?;
    // The token names its region; the successor names the same one, and the refresh counts
    // there.
    let region = ctx.region_of_refresh_token(token.as_deref())?;
    let region_name = ctx.region_name(region)?;
    let rotated = rotate(ctx, (token, session), (region, region_name.as_deref())).await;
    in_region(rotated, region_name.as_deref())
}

async fn rotate(
    ctx: &Ctx,
    (token, session): (Option<String>, Option<String>),
    (region, region_name): (RegionId, Option<&str>),
) -> Handled {
    let auth = ctx.auth()?;
    let deps = RefreshDeps {
        accounts: &ctx.accounts_in(region)?,
        signer: &ctx.signer().await?,
        rng: &WebCryptoRandom,
        clock: &WorkerClock,
        settings: &auth.settings,
        region: region_name,
    };
    let binding = dpop::proved_key(ctx, None, Replay::TakeIn(region)).await?;
    let input = RefreshInput {
        refresh_token: token.as_deref(),
        session_id: session.as_deref(),
        binding: binding.as_deref(),
    };
    let out = refresh_use_case(&deps, &input)
        .await
        .map_err(|error| Outcome::failure("refresh failed", &error.problem(), &error))?;
    responses::deliver("Token refreshed successfully", &out, json!({}), &auth)
}

/// Logout clears whatever auth cookies the client holds on every outcome (harmless when it
/// holds none): a client told its token is invalid or reused has no use for them either.
pub async fn logout(ctx: &Ctx) -> Handled {
    let profile = ctx.auth()?.api_profile;
    let outcome = match end_sessions(ctx, profile).await {
        Ok(outcome) | Err(outcome) => outcome,
    };
    Jar::of(profile).clear_all(outcome)
}

async fn end_sessions(ctx: &Ctx, profile: ApiProfile) -> Handled {
    let (token, scope) = match profile {
        // The cookie's token, if any, ends its own session.
        ApiProfile::OtpAuthV1 => (ctx.cookie(profile.cookies().refresh), None),
        ApiProfile::Native => {
            let body: LogoutBody = ctx.json()?;
            (extract::refresh_token(ctx, body.refresh_token)?, body.scope)
        }
    };
    let region = ctx.region_of_refresh_token(token.as_deref())?;
    let ended = end(ctx, profile, region, (token, scope)).await;
    in_region(ended, ctx.region_name(region)?.as_deref())
}

async fn end(
    ctx: &Ctx,
    profile: ApiProfile,
    region: RegionId,
    (token, scope): (Option<String>, Option<String>),
) -> Handled {
    let accounts = ctx.accounts_in(region)?;
    let binding = dpop::proved_key(ctx, None, Replay::TakeIn(region)).await?;
    let ended = logout_use_case(
        &accounts,
        token.as_deref(),
        scope.as_deref(),
        binding.as_deref(),
    );
    match ended.await {
        Ok(()) => {}
        Err(error) if profile == ApiProfile::Native || matches!(error, LogoutError::Backend(_)) => {
            return Err(Outcome::failure("logout failed", &error.problem(), &error));
        }
        // The Go service answered every other logout with 200, whatever the client held: only
        // a failure of ours is worth telling its clients.
        Err(_) => {}
    }
    Outcome::json(200, &json!({"message": "Logout successful"}))
}
