//! `POST /api/v1/auth/send-otp` and `POST /api/v1/auth/login`.

use crate::accounts::HyperdriveAccounts;
use crate::config::{Config, OtpConfig};
use crate::cookies;
use crate::platform::{WebCryptoRandom, WorkerClock};
use crate::routes::users;
use crate::signer::WebCryptoSigner;
use crate::sms::Sms;
use crate::{http, request};
use auth_adapters::upstash::{UpstashOtpStore, UpstashRedis};

use auth_core::bodies::{LoginBody, SendOtpBody};
use auth_core::usecases::login::{login, LoginDeps, LoginInput};
use auth_core::usecases::send_otp::{send_otp, SendOtpDeps, SendOtpInput};
use serde_json::json;
use std::rc::Rc;
use worker::{console_warn, Env, Request, Response, Result};

/// Both configurations, or the 503 that a misconfigured deployment answers with. The reason goes
/// to the log only: it names settings, which is for operators.
pub(crate) fn configs(env: &Env) -> std::result::Result<(Rc<Config>, Rc<OtpConfig>), Response> {
    let loaded = Config::from_env(env).and_then(|c| OtpConfig::from_env(env).map(|o| (c, o)));
    loaded.map_err(|problem| http::misconfigured(&problem))
}

/// Test numbers skip the SMS and accept a fixed code: say so once per isolate.
fn warn_about_test_numbers(otp: &OtpConfig) {
    use std::sync::atomic::{AtomicBool, Ordering};
    static WARNED: AtomicBool = AtomicBool::new(false);
    if !otp.settings.test_numbers.is_empty() && !WARNED.swap(true, Ordering::Relaxed) {
        console_warn!(
            "{}",
            json!({"level": "warn", "msg": "OTP_TEST_NUMBERS is set: these numbers accept a fixed code",
                   "count": otp.settings.test_numbers.len()})
        );
    }
}

pub async fn send_otp_route(mut req: Request, env: &Env) -> Result<Response> {
    let (config, otp) = match configs(env) {
        Ok(c) => c,
        Err(response) => return Ok(response),
    };
    warn_about_test_numbers(&otp);
    let body: SendOtpBody = match request::json_body(&mut req).await {
        Ok(body) => body,
        Err(error) => return http::error(error),
    };
    let session_cookie = request::cookie(&req, "session_id");
    let client_ip = request::client_ip(&req);
    let redis = UpstashRedis::new(&config.redis_rest_url, &config.redis_rest_token);
    let store = UpstashOtpStore::new(&redis, config.redis_key_prefix.clone());
    let sms = match Sms::from_config(&otp.sms) {
        Ok(sms) => sms,
        Err(problem) => return Ok(http::misconfigured(&problem)),
    };
    let deps = SendOtpDeps {
        store: &store,
        sms: &sms,
        rng: &WebCryptoRandom,
        settings: &otp.settings,
        hmac_secret: &otp.hmac_secret,
    };
    let input = SendOtpInput {
        phone: &body.phone_number,
        session_id: body.session_id.as_deref().or(session_cookie.as_deref()),
        client_ip: &client_ip,
    };
    match send_otp(&deps, &input).await {
        Ok(sent) => {
            let response = http::json(
                200,
                &json!({
                    "message": "OTP sent successfully",
                    "session_id": sent.session_id.as_str(),
                    "expires_in": sent.expires_in,
                    "resend_after": sent.resend_after,
                }),
            )?;
            if otp.cookies {
                let cookie = cookies::session(
                    sent.session_id.as_str(),
                    otp.settings.refresh_token_ttl_secs,
                );
                return http::with_header(response, "set-cookie", &cookie);
            }
            Ok(response)
        }
        Err(error) => http::failure("send-otp failed", &error.problem(), &error),
    }
}

pub async fn login_route(mut req: Request, env: &Env) -> Result<Response> {
    let (config, otp) = match configs(env) {
        Ok(c) => c,
        Err(response) => return Ok(response),
    };
    let body: LoginBody = match request::json_body(&mut req).await {
        Ok(body) => body,
        Err(error) => return http::error(error),
    };
    let session_cookie = request::cookie(&req, "session_id");
    let client_ip = request::client_ip(&req);
    let user_agent = request::user_agent(&req);
    let signer = match WebCryptoSigner::load(&otp.signing_key_pem, &otp.signing_kid).await {
        Ok(signer) => signer,
        Err(problem) => return Ok(http::misconfigured(&problem)),
    };
    let redis = UpstashRedis::new(&config.redis_rest_url, &config.redis_rest_token);
    let store = UpstashOtpStore::new(&redis, config.redis_key_prefix.clone());
    let accounts = HyperdriveAccounts {
        env,
        config: &config,
        idle_secs: otp.settings.session_idle_secs,
        client_ip: Some(request::client_ip(&req)),
        user_agent: user_agent.clone(),
    };
    let deps = LoginDeps {
        store: &store,
        accounts: &accounts,
        signer: &signer,
        rng: &WebCryptoRandom,
        clock: &WorkerClock,
        settings: &otp.settings,
        hmac_secret: &otp.hmac_secret,
    };
    let input = LoginInput {
        phone: &body.phone_number,
        otp: &body.otp,
        session_id: body.session_id.as_deref().or(session_cookie.as_deref()),
        client_ip: &client_ip,
        user_agent: user_agent.as_deref(),
    };
    match login(&deps, &input).await {
        Ok(out) => {
            let mut body = users::token_body(
                "Login successful",
                &out.access_token,
                &out.refresh_token,
                out.expires_in,
                out.expires_at,
                out.refresh_expires_at,
                &out.user,
            );
            body["is_new_user"] = json!(out.is_new_user);
            let response = http::json(200, &body)?;
            let event = if out.is_new_user {
                "new_user"
            } else {
                "returning_user"
            };
            response
                .headers()
                .set(crate::metrics::EVENT_HEADER, event)?;
            users::deliver_tokens(
                response,
                &out.access_token,
                out.expires_in,
                &out.refresh_token,
                &out.user.id,
                &otp,
            )
        }
        Err(error) => http::failure("login failed", &error.problem(), &error),
    }
}
