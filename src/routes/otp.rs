//! `POST /api/v1/auth/send-otp` and `POST /api/v1/auth/login`: compose the use case with its
//! adapters and write its answer.

use crate::context::Ctx;
use crate::cookies;
use crate::dpop::{self, Replay};
use crate::outcome::{in_region, Handled, Outcome};
use crate::platform::{WebCryptoRandom, WorkerClock};
use crate::responses;
use crate::sending::{send_code, sent_answer};
use auth_core::config::settings::Settings;
use auth_core::domain::phone::PhoneNumber;
use auth_core::domain::regions::RegionId;
use auth_core::http::bodies::{LoginBody, SendOtpBody};
use auth_core::http::metrics::{Event, OtpFacts};
use auth_core::usecases::login::{login as login_use_case, LoginDeps, LoginInput};
use serde_json::json;
use worker::console_warn;

/// Test numbers skip the SMS and accept a fixed code: say so once per isolate.
fn warn_about_test_numbers(settings: &Settings) {
    use std::sync::atomic::{AtomicBool, Ordering};
    static WARNED: AtomicBool = AtomicBool::new(false);
    if !settings.test_numbers.is_empty() && !WARNED.swap(true, Ordering::Relaxed) {
        console_warn!(
            "{}",
            json!({"level": "warn", "msg": "OTP_TEST_NUMBERS is set: these numbers accept a fixed code",
                   "count": settings.test_numbers.len()})
        );
    }
}

pub async fn send_otp(ctx: &Ctx) -> Handled {
    let auth = ctx.auth()?;
    warn_about_test_numbers(&auth.settings);
    let body: SendOtpBody = ctx.json()?;
    let phone = ctx.phone(&body.phone_number)?;
    let region = ctx.region_of_phone(&phone)?;
    let sent = send(ctx, &body, (&phone, region)).await;
    in_region(sent, ctx.region_name(region)?.as_deref())
}

async fn send(ctx: &Ctx, body: &SendOtpBody, to: (&PhoneNumber, RegionId)) -> Handled {
    let auth = ctx.auth()?;
    let session_cookie = ctx.cookie(ctx.cookie_names()?.session);
    let session_id = body.session_id.as_deref().or(session_cookie.as_deref());
    let sent = send_code(ctx, body, to, session_id, None).await?;
    let outcome = sent_answer(&sent)?;
    if !auth.cookies {
        return Ok(outcome);
    }
    let max_age = auth
        .api_profile
        .send_otp_cookie_max_age(auth.settings.refresh_token_ttl_secs);
    let cookie = cookies::Jar::of(auth.api_profile).session(sent.session_id.as_str(), max_age);
    outcome.with_header("set-cookie", &cookie)
}

pub async fn login(ctx: &Ctx) -> Handled {
    let body: LoginBody = ctx.json()?;
    let phone = ctx.phone(&body.phone_number)?;
    // The number's region keeps its code and, but for one made before the regions were as
    // they are, its account; the tokens name the region that holds the account, and the
    // login counts there.
    let region = ctx.region_of_phone(&phone)?;
    let home = ctx.region_name(region)?;
    let (handled, holder) = match log_in(ctx, &body, &phone, region).await {
        Ok((outcome, holder)) => (Ok(outcome), holder),
        Err(outcome) => (Err(outcome), home),
    };
    in_region(handled, holder.as_deref())
}

/// A login's answer, and the region that holds the account.
async fn log_in(
    ctx: &Ctx,
    body: &LoginBody,
    phone: &PhoneNumber,
    region: RegionId,
) -> Result<(Outcome, Option<String>), Outcome> {
    let auth = ctx.auth()?;
    let session_cookie = ctx.cookie(ctx.cookie_names()?.session);
    let config = ctx.config()?;
    let regions = &config.regions;
    let elsewhere = regions
        .former_of(region)
        .into_iter()
        .map(|r| Ok((regions.name(r).unwrap_or_default(), ctx.accounts_in(r)?)))
        .collect::<Result<Vec<_>, Outcome>>()?;
    let deps = LoginDeps {
        store: &ctx.otp_store_in(region)?,
        accounts: &ctx.accounts_in(region)?,
        elsewhere: &elsewhere,
        signer: &ctx.signer().await?,
        rng: &WebCryptoRandom,
        clock: &WorkerClock,
        settings: &auth.settings,
        hmac_secret: &auth.hmac_secret,
        region: regions.name(region),
    };
    // A proof binds the pair to its key; its `jti` is not taken, the code is (`dpop::Replay`).
    let binding = dpop::proved_key(ctx, None, Replay::LoginStepTakenOnce).await?;
    let input = LoginInput {
        phone,
        otp: &body.otp,
        session_id: body.session_id.as_deref().or(session_cookie.as_deref()),
        client_ip: &ctx.client_ip,
        asn: ctx.edge()?.asn,
        user_agent: ctx.user_agent.as_deref(),
        new_user_scope: &auth.api_profile.new_user_scope(),
        binding: binding.as_deref(),
    };
    let out = login_use_case(&deps, &input)
        .await
        .map_err(|error| Outcome::failure("login failed", &error.problem(), &error))?;
    let event = if out.is_new_user {
        Event::NewUser
    } else {
        Event::ReturningUser
    };
    let extra = json!({"is_new_user": out.is_new_user});
    let outcome = responses::deliver("Login successful", &out.tokens, extra, &auth)?;
    let facts = OtpFacts {
        calling_code: Some(out.calling_code),
        decision: None,
    };
    let outcome = outcome
        .with_event(event)
        .with_otp(facts)
        .with_quota(out.quota.as_ref());
    Ok((outcome, out.region))
}
