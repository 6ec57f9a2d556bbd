//! The OAuth endpoints for the APIs behind the service: `GET
//! /.well-known/oauth-authorization-server` (RFC 8414), `POST /oauth/revoke` (RFC 7009) and
//! `POST /oauth/introspect` (RFC 7662). Their errors are OAuth's (`Outcome::into_oauth`, applied
//! centrally); what a token means is decided in `auth_core::usecases::oauth`.

use crate::context::Ctx;
use crate::dpop::{self, Replay};
use crate::extract;
use crate::outcome::{Handled, Outcome};
use crate::platform::WorkerClock;
use auth_core::http::error::ErrorCode;
use auth_core::http::oauth::{self, IntrospectForm, RevokeForm};
use auth_core::ports::Clock;
use auth_core::usecases::oauth::{
    introspect as introspect_use_case, looks_like_access_token, revoke as revoke_use_case,
    Presented,
};
use serde_json::json;

/// The metadata, every endpoint named under the origin the request reached.
pub fn metadata(ctx: &Ctx) -> Handled {
    let auth = ctx.auth()?;
    let base = ctx.origin().unwrap_or_default();
    Outcome::json(200, &oauth::metadata(&auth.settings, &base))?
        .with_header("cache-control", "public, max-age=300")
}

/// Ends the session behind a refresh or access token; 200 for any token, as RFC 7009 says,
/// once the client named itself.
pub async fn revoke(ctx: &Ctx) -> Handled {
    let form: RevokeForm = ctx.form()?;
    let auth = ctx.auth()?;
    oauth::check_client(&auth.settings, form.client_id.as_deref()).map_err(Outcome::error)?;
    let token = oauth::required_token(form.token.as_deref()).map_err(Outcome::error)?;
    // `Some`: shaped as an access token, and `Some(Some)` when it is a live one of ours.
    let access = match looks_like_access_token(token) {
        true => Some(extract::verified(ctx, token).await?),
        false => None,
    };
    let (presented, region) = match &access {
        Some(Some(v)) => (
            Presented::Access {
                user: &v.user,
                session: &v.session,
                bound_to: v.claims.jkt(),
            },
            v.region,
        ),
        Some(None) => (Presented::Unusable, ctx.default_region()?),
        None => (
            Presented::Refresh(token),
            ctx.region_of_refresh_token(Some(token))?,
        ),
    };
    // A bound token revokes only with a proof by its key (RFC 7009 has no word on DPoP; a
    // thief must not be able to log the owner out).
    let binding = dpop::proved_key(ctx, None, Replay::TakeIn(region)).await?;
    let revoked = revoke_use_case(&ctx.accounts_in(region)?, presented, binding.as_deref()).await;
    revoked.map_err(|error| Outcome::unavailable("revocation failed", &error))?;
    Outcome::json(200, &json!({}))?.with_header("cache-control", "no-store")
}

/// Whether an access token is active, for a resource server holding an introspection token.
pub async fn introspect(ctx: &Ctx) -> Handled {
    let configured = ctx
        .env
        .secret("INTROSPECTION_TOKENS")
        .or_else(|_| ctx.env.var("INTROSPECTION_TOKENS"))
        .map(|v| v.to_string())
        .ok();
    let authorization = ctx.header("authorization");
    if !oauth::introspection_allowed(configured.as_deref(), authorization.as_deref()) {
        let refused = Outcome::code(
            ErrorCode::Unauthorized,
            "a resource server's introspection token is required",
        );
        return Err(refused.with_header("www-authenticate", "Bearer")?);
    }
    let form: IntrospectForm = ctx.form()?;
    let token = oauth::required_token(form.token.as_deref()).map_err(Outcome::error)?;
    let verified = match looks_like_access_token(token) {
        true => extract::verified(ctx, token).await?,
        false => None,
    };
    let region = match &verified {
        Some(v) => v.region,
        None => ctx.default_region()?,
    };
    let answer = introspect_use_case(&ctx.accounts_in(region)?, verified.map(|v| v.claims)).await;
    let answer = answer.map_err(|error| Outcome::unavailable("introspection failed", &error))?;
    let cache = match answer.max_age_secs(WorkerClock.now()) {
        Some(secs) => format!("private, max-age={secs}"),
        None => "no-store".to_owned(),
    };
    Ok(Outcome::json(200, &answer.body())?
        .with_header("cache-control", &cache)?
        .in_region(ctx.region_name(region)?.as_deref()))
}
