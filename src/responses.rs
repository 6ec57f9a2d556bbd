//! The JSON shapes several handlers answer with, and the token delivery of login and refresh.

use crate::config::AuthConfig;
use crate::cookies;
use crate::outcome::Outcome;
use crate::platform::{WebCryptoRandom, WorkerClock};
use auth_core::domain::time::rfc3339;
use auth_core::ports::Clock;
use auth_core::ports::{SessionInfo, User};
use auth_core::usecases::IssuedTokens;
use serde_json::{json, Value};

/// A user as the contract shows it.
pub fn user_json(user: &User) -> Value {
    json!({
        "id": user.id.as_str(),
        "phone_number": user.phone,
        "scope": user.scope.as_str(),
        "created_at": rfc3339(user.created_at),
        "updated_at": rfc3339(user.updated_at),
    })
}

/// A session as the contract shows it (the caller's own list adds `current`).
pub fn session_json(session: &SessionInfo) -> Value {
    json!({
        "id": session.id.as_str(),
        "created_at": rfc3339(session.created_at),
        "last_used_at": rfc3339(session.last_used_at),
        "expires_at": rfc3339(session.expires_at),
        "user_agent": session.user_agent,
        "ip": session.ip,
    })
}

/// The answer of a login or a refresh: the token pair body (with `extra` fields merged in), in
/// cookie mode the token cookies with a fresh CSRF token, and the user named for the access log.
pub fn deliver(
    message: &str,
    tokens: &IssuedTokens,
    extra: Value,
    auth: &AuthConfig,
) -> Result<Outcome, Outcome> {
    let mut body = json!({
        "message": message,
        "access_token": tokens.access_token,
        "refresh_token": tokens.refresh_token,
        "token_type": tokens.token_type,
        "expires_in": tokens.expires_in,
        "expires_at": rfc3339(tokens.expires_at),
        "refresh_expires_at": rfc3339(tokens.refresh_expires_at),
        "session_id": tokens.session.as_str(),
        "user": user_json(&tokens.user),
    });
    if let (Some(body), Value::Object(extra)) = (body.as_object_mut(), extra) {
        body.extend(extra);
    }
    if !auth.cookies {
        return Ok(Outcome::json(200, &body)?.for_user(tokens.user.id.as_str()));
    }
    let jar = cookies::Jar::of(auth.api_profile);
    // A page on another allowed origin cannot read this API's cookies: it gets the CSRF token
    // from the body, and echoes it in X-CSRF-Token.
    let csrf = match jar.has_csrf() {
        true => Some(cookies::new_csrf_token(&WebCryptoRandom)?),
        false => None,
    };
    if let Some(csrf) = &csrf {
        body["csrf_token"] = Value::from(csrf.as_str());
    }
    let outcome = Outcome::json(200, &body)?.for_user(tokens.user.id.as_str());
    // The refresh cookie lives as long as the refresh token: at most until its session ends.
    let refresh_max_age = u32::try_from(tokens.refresh_expires_at - WorkerClock.now()).unwrap_or(0);
    jar.set_tokens(
        outcome,
        &tokens.access_token,
        tokens.expires_in,
        &tokens.refresh_token,
        refresh_max_age,
        tokens.session.as_str(),
        csrf.as_deref(),
    )
}
