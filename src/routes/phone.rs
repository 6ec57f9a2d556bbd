//! `POST /api/v1/users/me/phone/send-otp` and `POST /api/v1/users/me/phone`: the caller moves
//! their account to a new number with a code sent to it (`usecases::change_phone`, which also
//! keeps an account in its data region).

use crate::context::Ctx;
use crate::extract::{self, Caller};
use crate::outcome::{Handled, Outcome};
use crate::platform::WorkerClock;
use crate::responses::user_json;
use crate::sending;
use crate::sms::Sms;
use auth_core::domain::delivery::sms_text::accepted_languages;
use auth_core::http::bodies::{LoginBody, SendOtpBody};
use auth_core::ports::Clock;
use auth_core::usecases::change_phone::{change_phone as change_use_case, ChangePhoneDeps, Mover};
use auth_core::usecases::code_check::PresentedCode;
use serde_json::json;

/// Sends the change code to the new number, with send-otp's limits and answer.
pub async fn send_code(ctx: &Ctx) -> Handled {
    let caller = extract::caller(ctx).await?;
    extract::for_caller(&caller, send(ctx, &caller).await)
}

async fn send(ctx: &Ctx, caller: &Caller) -> Handled {
    let body: SendOtpBody = ctx.json()?;
    let phone = ctx.phone(&body.phone_number)?;
    let regions = &ctx.config()?.regions;
    let mover = Mover {
        user: &caller.user,
        region: caller.region,
        regions,
    };
    // The code goes through the Redis of the caller's region: the only one it may move to.
    let to = (&phone, caller.region);
    let sent = sending::send_code(ctx, &body, to, None, Some(&mover)).await?;
    sending::sent_answer(&sent)
}

/// Checks the change code, moves the caller's account to its number, and tells the number it
/// left (in the request's `Accept-Language`).
pub async fn change(ctx: &Ctx) -> Handled {
    let caller = extract::caller(ctx).await?;
    extract::for_caller(&caller, move_account(ctx, &caller).await)
}

async fn move_account(ctx: &Ctx, caller: &Caller) -> Handled {
    let auth = ctx.auth()?;
    let body: LoginBody = ctx.json()?;
    let phone = ctx.phone(&body.phone_number)?;
    let sms = Sms::from_config(&auth.sms).map_err(|why| Outcome::misconfigured(&why))?;
    let regions = &ctx.config()?.regions;
    let mover = Mover {
        user: &caller.user,
        region: caller.region,
        regions,
    };
    let deps = ChangePhoneDeps {
        store: &ctx.otp_store_in(caller.region)?,
        accounts: &ctx.accounts_in(caller.region)?,
        sms: &sms,
        settings: &auth.settings,
        hmac_secret: &auth.hmac_secret,
    };
    let presented = PresentedCode {
        phone: &phone,
        otp: &body.otp,
        session_id: body.session_id.as_deref(),
        client_ip: &ctx.client_ip,
        asn: ctx.edge()?.asn,
        now: WorkerClock.now(),
    };
    let languages = ctx
        .header("accept-language")
        .map(|header| accepted_languages(&header))
        .unwrap_or_default();
    let moved = change_use_case(&deps, &mover, &caller.session, &presented, &languages)
        .await
        .map_err(|error| Outcome::failure("phone change failed", &error.problem(), &error))?;
    ctx.forget_number(&moved.left).await;
    if let Err(error) = &moved.notice {
        // The move stands; operators see the old number was not told (the reason names no
        // number and no text).
        worker::console_warn!(
            "{}",
            json!({"level": "warn", "msg": "the number an account left was not told",
                   "user_id": caller.user.as_str(), "reason": error.to_string()})
        );
    }
    Outcome::json(200, &json!({ "user": user_json(&moved.user) }))
}
