//! `POST /api/v1/auth/refresh` and `POST /api/v1/auth/logout`.

use crate::context::Ctx;
use crate::cookies;
use crate::extract;
use crate::outcome::{Handled, Outcome};
use crate::platform::{WebCryptoRandom, WorkerClock};
use crate::responses;
use auth_core::bodies::{LogoutBody, RefreshBody};
use auth_core::routes::cookies::SESSION;
use auth_core::usecases::refresh::{logout as logout_use_case, refresh as refresh_use_case};
use auth_core::usecases::refresh::{RefreshDeps, RefreshInput};
use serde_json::json;

pub async fn refresh(ctx: &Ctx) -> Handled {
    let otp = ctx.otp()?;
    let body: RefreshBody = ctx.json()?;
    let token = extract::refresh_token(ctx, body.refresh_token)?;
    let session_cookie = ctx.mode_cookie(SESSION)?;
    let deps = RefreshDeps {
        accounts: &ctx.accounts()?,
        signer: &ctx.signer().await?,
        rng: &WebCryptoRandom,
        clock: &WorkerClock,
        settings: &otp.settings,
    };
    let input = RefreshInput {
        refresh_token: token.as_deref(),
        session_id: body.session_id.as_deref().or(session_cookie.as_deref()),
    };
    let out = refresh_use_case(&deps, &input)
        .await
        .map_err(|error| Outcome::failure("refresh failed", &error.problem(), &error))?;
    responses::deliver("Token refreshed successfully", &out, json!({}), &otp)
}

/// Logout clears whatever auth cookies the client holds on every outcome (harmless when it
/// holds none): a client told its token is invalid or reused has no use for them either.
pub async fn logout(ctx: &Ctx) -> Handled {
    let outcome = match end_sessions(ctx).await {
        Ok(outcome) | Err(outcome) => outcome,
    };
    cookies::clear_all(outcome)
}

async fn end_sessions(ctx: &Ctx) -> Handled {
    let body: LogoutBody = ctx.json()?;
    let token = extract::refresh_token(ctx, body.refresh_token)?;
    logout_use_case(&ctx.accounts()?, token.as_deref(), body.scope.as_deref())
        .await
        .map_err(|error| Outcome::failure("logout failed", &error.problem(), &error))?;
    Outcome::json(200, &json!({"message": "Logout successful"}))
}
