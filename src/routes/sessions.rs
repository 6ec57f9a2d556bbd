//! `GET /api/v1/auth/sessions` and `DELETE /api/v1/auth/sessions/{id}`: the caller's sessions.

use crate::context::Ctx;
use crate::extract::{self, session_gone};
use crate::outcome::{Handled, Outcome};
use crate::responses::session_json;
use auth_core::domain::session::SessionId;
use auth_core::http::error::ErrorCode;
use auth_core::ports::{AccountLender, AccountStore, RevokeOutcome};
use serde_json::json;

/// The caller's live sessions.
pub async fn list(ctx: &Ctx) -> Handled {
    let caller = extract::caller(ctx).await?;
    let sessions = ctx
        .accounts_in(caller.region)?
        .lend(async |store| store.sessions(&caller.user, &caller.session).await)
        .await
        .map_err(|error| Outcome::unavailable("sessions failed", &error).for_caller(&caller))?
        .ok_or_else(|| session_gone().for_caller(&caller))?;
    let sessions: Vec<_> = sessions
        .iter()
        .map(|s| {
            let mut shown = session_json(s);
            shown["current"] = json!(s.id == caller.session);
            shown
        })
        .collect();
    Ok(Outcome::json(200, &json!({ "sessions": sessions }))?.for_caller(&caller))
}

/// Revokes one of the caller's sessions (the CSRF check of a cookie caller ran centrally).
pub async fn revoke(ctx: &Ctx) -> Handled {
    let caller = extract::caller(ctx).await?;
    let target = SessionId::parse(ctx.id.as_deref().unwrap_or_default());
    let outcome = match target {
        Err(_) => Outcome::code(ErrorCode::NotFound, "no such session"),
        Ok(target) => match ctx
            .accounts_in(caller.region)?
            .lend(async |store| {
                store
                    .revoke_session(&caller.user, &caller.session, &target)
                    .await
            })
            .await
        {
            Ok(RevokeOutcome::Revoked) => {
                Outcome::json(200, &json!({"message": "Session revoked"}))?
            }
            Ok(RevokeOutcome::NotFound) => Outcome::code(ErrorCode::NotFound, "no such session"),
            Ok(RevokeOutcome::Unauthenticated) => session_gone(),
            Err(error) => Outcome::unavailable("revoke session failed", &error),
        },
    };
    Ok(outcome.for_caller(&caller))
}
