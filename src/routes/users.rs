//! `GET /.well-known/jwks.json` and `GET /api/v1/users/profile`.

use crate::accounts::HyperdriveAccounts;
use crate::config::{Config, OtpConfig};
use crate::cookies;
use crate::keyring::Keyring;
use crate::platform::{WebCryptoRandom, WorkerClock};
use crate::{http, request};
use auth_core::admin::UserQuery;
use auth_core::error::{ErrorBody, ErrorCode};
use auth_core::ports::{AccountStore, AdminOutcome, AdminRequest, Clock, User};
use auth_core::time::rfc3339;
use auth_core::token::{self, Claims};
use serde_json::json;
use std::rc::Rc;
use worker::{Env, Request, Response, Result};

/// Configuration and keyring, or the response a misconfigured deployment gives.
pub(crate) async fn load(
    env: &Env,
) -> std::result::Result<(Rc<Config>, Rc<OtpConfig>, Rc<Keyring>), Response> {
    let fail = |problem: String| http::misconfigured(&problem);
    let config = Config::from_env(env).map_err(fail)?;
    let otp = OtpConfig::from_env(env).map_err(fail)?;
    let ring = Keyring::load(
        &otp.signing_key_pem,
        &otp.signing_kid,
        otp.verification_keys.as_deref(),
    )
    .await
    .map_err(fail)?;
    Ok((config, otp, ring))
}

pub async fn jwks(env: &Env) -> Result<Response> {
    let (_, _, ring) = match load(env).await {
        Ok(loaded) => loaded,
        Err(response) => return Ok(response),
    };
    let response = http::json(200, &ring.jwks())?;
    // Verifiers may cache the set briefly; a rotation publishes the new key before it signs.
    http::with_header(response, "cache-control", "public, max-age=300")
}

/// The claims of a valid bearer token, or the 401 to answer.
pub(crate) async fn authenticate(
    req: &Request,
    ring: &Keyring,
    otp: &OtpConfig,
) -> std::result::Result<Claims, Response> {
    let unauthorized = |message: &str| {
        let response = http::error(ErrorBody::new(ErrorCode::Unauthorized, message))
            .and_then(|r| http::with_header(r, "www-authenticate", "Bearer"));
        response.unwrap_or_else(|_| Response::error("unauthorized", 401).expect("a plain response"))
    };
    let token = match request::header(req, "authorization") {
        Some(header) => header
            .strip_prefix("Bearer ")
            .or_else(|| header.strip_prefix("bearer "))
            .map(str::to_owned)
            .ok_or_else(|| unauthorized("missing bearer token"))?,
        // In cookie mode a browser authenticates with the access-token cookie instead.
        None => otp
            .cookies
            .then(|| request::cookie(req, cookies::ACCESS))
            .flatten()
            .ok_or_else(|| unauthorized("missing bearer token"))?,
    };
    token::verify(ring, &otp.settings, token.trim(), WorkerClock.now())
        .await
        .map_err(|_| unauthorized("invalid or expired access token"))
}

/// An authenticated caller: the configuration and the claims of a valid access token.
pub(crate) struct Caller {
    pub config: Rc<Config>,
    pub otp: Rc<OtpConfig>,
    pub claims: Claims,
    client_ip: String,
    user_agent: Option<String>,
}

impl Caller {
    /// The account store for this caller's request.
    pub fn accounts<'a>(&'a self, env: &'a Env) -> HyperdriveAccounts<'a> {
        HyperdriveAccounts {
            env,
            config: &self.config,
            idle_secs: self.otp.settings.session_idle_secs,
            client_ip: Some(self.client_ip.clone()),
            user_agent: self.user_agent.clone(),
        }
    }
}

/// Loads the configuration and authenticates the bearer (or, in cookie mode, the cookie), or
/// returns the 401/503 to answer.
pub(crate) async fn caller(req: &Request, env: &Env) -> std::result::Result<Caller, Response> {
    let (config, otp, ring) = load(env).await?;
    let claims = authenticate(req, &ring, &otp).await?;
    Ok(Caller {
        config,
        otp,
        claims,
        client_ip: request::client_ip(req),
        user_agent: request::user_agent(req),
    })
}

/// Whether this request authenticates with the access-token cookie (cookie mode, no header).
pub(crate) fn by_cookie(req: &Request, otp: &OtpConfig) -> bool {
    otp.cookies && request::header(req, "authorization").is_none()
}

/// The answer of a login or refresh: in cookie mode the tokens also go into cookies (with a fresh
/// CSRF token), and the user is named for the access log.
pub fn deliver_tokens(
    response: Response,
    access_token: &str,
    access_ttl: u32,
    refresh_token: &str,
    user_id: &str,
    otp: &OtpConfig,
) -> Result<Response> {
    let response = if otp.cookies {
        cookies::set_tokens(
            response,
            access_token,
            access_ttl,
            refresh_token,
            otp.settings.refresh_token_ttl_secs,
            &WebCryptoRandom,
        )
    } else {
        Ok(response)
    };
    http::with_user(response, user_id)
}

/// The token pair body shared by login and refresh.
pub fn token_body(
    message: &str,
    access_token: &str,
    refresh_token: &str,
    expires_in: u32,
    expires_at: i64,
    refresh_expires_at: i64,
    user: &User,
) -> serde_json::Value {
    json!({
        "message": message,
        "access_token": access_token,
        "refresh_token": refresh_token,
        "token_type": "Bearer",
        "expires_in": expires_in,
        "expires_at": rfc3339(expires_at),
        "refresh_expires_at": rfc3339(refresh_expires_at),
        "user": user_json(user),
    })
}

pub fn user_json(user: &User) -> serde_json::Value {
    json!({
        "id": user.id,
        "phone_number": user.phone,
        "scope": user.scope,
        "created_at": rfc3339(user.created_at),
        "updated_at": rfc3339(user.updated_at),
    })
}

pub async fn profile(req: Request, env: &Env) -> Result<Response> {
    let caller = match caller(&req, env).await {
        Ok(caller) => caller,
        Err(response) => return Ok(response),
    };
    let claims = &caller.claims;
    let accounts = caller.accounts(env);
    let response = match accounts.profile(&claims.sub, &claims.sid).await {
        Ok(Some(user)) => http::json(200, &json!({ "user": user_json(&user) })),
        // The token is genuine but its session was revoked or has expired.
        Ok(None) => http::error_code(ErrorCode::Unauthorized, "session is no longer active"),
        Err(error) => http::unavailable("profile failed", &error),
    };
    http::with_user(response, &claims.sub)
}

/// `GET /api/v1/users` and `GET /api/v1/users/{id}`, for the `superadmin` scope only.
pub async fn admin(req: Request, env: &Env, target: Option<&str>) -> Result<Response> {
    let caller = match caller(&req, env).await {
        Ok(caller) => caller,
        Err(response) => return Ok(response),
    };
    let claims = &caller.claims;
    let url = req.url()?;
    let pairs: Vec<(String, String)> = url
        .query_pairs()
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    let query = match UserQuery::parse(pairs.iter().map(|(k, v)| (k.as_str(), v.as_str()))) {
        Ok(query) => query,
        Err(why) => {
            return http::error(
                ErrorBody::new(ErrorCode::InvalidRequest, "invalid query").with_details(why),
            )
        }
    };
    let request = match target {
        Some(id) => AdminRequest::Get(id),
        None => AdminRequest::List(&query),
    };
    let accounts = caller.accounts(env);
    let response = match accounts.admin(&claims.sub, &claims.sid, &request).await {
        Ok(AdminOutcome::Unauthenticated) => {
            http::error_code(ErrorCode::Unauthorized, "session is no longer active")
        }
        Ok(AdminOutcome::Forbidden) => {
            http::error_code(ErrorCode::Forbidden, "superadmin scope required")
        }
        Ok(AdminOutcome::User(Some(user))) => http::json(200, &json!({ "user": user_json(&user) })),
        Ok(AdminOutcome::User(None)) => http::error_code(ErrorCode::NotFound, "user not found"),
        Ok(AdminOutcome::Users { users, total }) => http::json(
            200,
            &json!({
                "users": users.iter().map(user_json).collect::<Vec<_>>(),
                "total": total,
                "page": query.page,
                "limit": query.limit,
                "total_pages": query.total_pages(total),
            }),
        ),
        Err(error) => http::unavailable("admin request failed", &error),
    };
    http::with_user(response, &claims.sub)
}
