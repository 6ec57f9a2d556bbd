//! `POST /api/v1/auth/refresh` and `POST /api/v1/auth/logout`.

use crate::accounts::HyperdriveAccounts;
use crate::config::OtpConfig;
use crate::cookies;
use crate::platform::{WebCryptoRandom, WorkerClock};
use crate::routes::{auth::configs, users};
use crate::signer::WebCryptoSigner;
use crate::{http, request};
use auth_core::bodies::{LogoutBody, RefreshBody};
use auth_core::error::ErrorCode;
use auth_core::ports::{AccountStore, RevokeOutcome};
use auth_core::session::SessionId;
use auth_core::time::rfc3339;
use auth_core::usecases::refresh::{logout, refresh, RefreshDeps, RefreshInput};
use serde_json::json;
use worker::{Env, Request, Response, Result};

/// The refresh token of the request: from the body, or in cookie mode from the cookie, which
/// then needs the CSRF header. `Err` is the 403 to answer.
fn presented_token(
    req: &Request,
    otp: &OtpConfig,
    from_body: Option<&str>,
) -> std::result::Result<Option<String>, Response> {
    if let Some(token) = from_body {
        return Ok(Some(token.to_owned()));
    }
    if !otp.cookies {
        return Ok(None);
    }
    let cookie = request::cookie(req, cookies::REFRESH);
    if cookie.is_some() && !cookies::csrf_ok(req) {
        return Err(cookies::csrf_refused()
            .unwrap_or_else(|_| Response::error("forbidden", 403).expect("a plain response")));
    }
    Ok(cookie)
}

pub async fn refresh_route(mut req: Request, env: &Env) -> Result<Response> {
    let (config, otp) = match configs(env) {
        Ok(c) => c,
        Err(response) => return Ok(response),
    };
    let body: RefreshBody = match request::json_body(&mut req).await {
        Ok(body) => body,
        Err(error) => return http::error(error),
    };
    let token = match presented_token(&req, &otp, body.refresh_token.as_deref()) {
        Ok(token) => token,
        Err(response) => return Ok(response),
    };
    let session_cookie = otp
        .cookies
        .then(|| request::cookie(&req, cookies::SESSION))
        .flatten();
    let signer = match WebCryptoSigner::load(&otp.signing_key_pem, &otp.signing_kid).await {
        Ok(signer) => signer,
        Err(problem) => return Ok(http::misconfigured(&problem)),
    };
    let accounts = HyperdriveAccounts {
        env,
        config: &config,
        idle_secs: otp.settings.session_idle_secs,
        client_ip: Some(request::client_ip(&req)),
        user_agent: request::user_agent(&req),
    };
    let deps = RefreshDeps {
        accounts: &accounts,
        signer: &signer,
        rng: &WebCryptoRandom,
        clock: &WorkerClock,
        settings: &otp.settings,
    };
    let input = RefreshInput {
        refresh_token: token.as_deref(),
        session_id: body.session_id.as_deref().or(session_cookie.as_deref()),
    };
    match refresh(&deps, &input).await {
        Ok(out) => {
            let response = http::json(
                200,
                &users::token_body(
                    "Token refreshed successfully",
                    &out.access_token,
                    &out.refresh_token,
                    out.expires_in,
                    out.expires_at,
                    out.refresh_expires_at,
                    &out.user,
                ),
            )?;
            users::deliver_tokens(
                response,
                &out.access_token,
                out.expires_in,
                &out.refresh_token,
                &out.user.id,
                &otp,
            )
        }
        Err(error) => http::failure("refresh failed", &error.problem(), &error),
    }
}

pub async fn logout_route(mut req: Request, env: &Env) -> Result<Response> {
    let (config, otp) = match configs(env) {
        Ok(c) => c,
        Err(response) => return Ok(response),
    };
    let body: LogoutBody = match request::json_body(&mut req).await {
        Ok(body) => body,
        Err(error) => return http::error(error),
    };
    let token = match presented_token(&req, &otp, body.refresh_token.as_deref()) {
        Ok(token) => token,
        Err(response) => return Ok(response),
    };
    let accounts = HyperdriveAccounts {
        env,
        config: &config,
        idle_secs: otp.settings.session_idle_secs,
        client_ip: Some(request::client_ip(&req)),
        user_agent: request::user_agent(&req),
    };
    match logout(&accounts, token.as_deref(), body.scope.as_deref()).await {
        Ok(()) => {
            let response = http::json(200, &json!({"message": "Logout successful"}))?;
            // Clear whatever auth cookies the client holds (harmless when it holds none).
            cookies::clear_all(response)
        }
        Err(error) => http::failure("logout failed", &error.problem(), &error),
    }
}

/// `GET /api/v1/auth/sessions`: the caller's live sessions.
pub async fn list_route(req: Request, env: &Env) -> Result<Response> {
    let caller = match users::caller(&req, env).await {
        Ok(caller) => caller,
        Err(response) => return Ok(response),
    };
    let claims = &caller.claims;
    let accounts = caller.accounts(env);
    let response = match accounts.sessions(&claims.sub, &claims.sid).await {
        Ok(Some(sessions)) => {
            let sessions: Vec<_> = sessions
                .iter()
                .map(|s| {
                    json!({
                        "id": s.id,
                        "created_at": rfc3339(s.created_at),
                        "last_used_at": rfc3339(s.last_used_at),
                        "expires_at": rfc3339(s.expires_at),
                        "user_agent": s.user_agent,
                        "ip": s.ip,
                        "current": s.id == claims.sid,
                    })
                })
                .collect();
            http::json(200, &json!({ "sessions": sessions }))
        }
        Ok(None) => http::error_code(ErrorCode::Unauthorized, "session is no longer active"),
        Err(error) => http::unavailable("sessions failed", &error),
    };
    http::with_user(response, &claims.sub)
}

/// `DELETE /api/v1/auth/sessions/{id}`: revoke one of the caller's sessions.
pub async fn revoke_route(req: Request, env: &Env, target: &str) -> Result<Response> {
    let caller = match users::caller(&req, env).await {
        Ok(caller) => caller,
        Err(response) => return Ok(response),
    };
    let (otp, claims) = (&caller.otp, &caller.claims);
    if users::by_cookie(&req, otp) && !cookies::csrf_ok(&req) {
        return cookies::csrf_refused();
    }
    if SessionId::parse(target).is_err() {
        return http::error_code(ErrorCode::NotFound, "no such session");
    }
    let accounts = caller.accounts(env);
    let response = match accounts
        .revoke_session(&claims.sub, &claims.sid, target)
        .await
    {
        Ok(RevokeOutcome::Revoked) => http::json(200, &json!({"message": "Session revoked"})),
        Ok(RevokeOutcome::NotFound) => http::error_code(ErrorCode::NotFound, "no such session"),
        Ok(RevokeOutcome::Unauthenticated) => {
            http::error_code(ErrorCode::Unauthorized, "session is no longer active")
        }
        Err(error) => http::unavailable("revoke session failed", &error),
    };
    http::with_user(response, &claims.sub)
}
