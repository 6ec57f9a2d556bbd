//! `POST /api/v1/users/me/phone/send-otp` and `POST /api/v1/users/me/phone`: the caller moves
//! their account to a new number with a code sent to it (`usecases::change_phone`).

use crate::context::Ctx;
use crate::extract::{self, Caller};
use crate::outcome::{Handled, Outcome};
use crate::platform::WorkerClock;
use crate::responses::user_json;
use crate::sending;
use crate::sms::Sms;
use auth_core::bodies::{LoginBody, SendOtpBody};
use auth_core::error::ErrorCode;
use auth_core::ports::Clock;
use auth_core::sms_text::accepted_languages;
use auth_core::usecases::change_phone::{change_phone as change_use_case, ChangePhoneDeps};
use auth_core::usecases::code_check::PresentedCode;
use serde_json::json;

/// A user's rows stay in their number's region, and an account cannot move between regions:
/// a number of another region is refused before any code is sent or checked.
fn same_region(ctx: &Ctx, caller: &Caller, phone: &str) -> Result<(), Outcome> {
    if ctx.region_of_phone(phone)? == caller.region {
        return Ok(());
    }
    Err(Outcome::code(
        ErrorCode::InvalidPhone,
        "this number belongs to another data region; an account cannot move between regions",
    ))
}

/// Sends the change code to the new number, with send-otp's limits and answer.
pub async fn send_code(ctx: &Ctx) -> Handled {
    let caller = extract::caller(ctx).await?;
    let body: SendOtpBody = ctx.json()?;
    let user = caller.user.as_str();
    same_region(ctx, &caller, &body.phone_number).map_err(|o| o.for_user(user))?;
    let sent = sending::send_code(ctx, &body, None, Some(&caller.user))
        .await
        .map_err(|outcome| outcome.for_user(user))?;
    Ok(sending::sent_answer(&sent)?.for_user(user))
}

/// Checks the change code, moves the caller's account to its number, and tells the number it
/// left (in the request's `Accept-Language`).
pub async fn change(ctx: &Ctx) -> Handled {
    let caller = extract::caller(ctx).await?;
    let otp = ctx.otp()?;
    let body: LoginBody = ctx.json()?;
    let user = caller.user.as_str();
    same_region(ctx, &caller, &body.phone_number).map_err(|o| o.for_user(user))?;
    let sms = Sms::from_config(&otp.sms).map_err(|why| Outcome::misconfigured(&why))?;
    let deps = ChangePhoneDeps {
        store: &ctx.otp_store_in(caller.region)?,
        accounts: &ctx.accounts_in(caller.region)?,
        sms: &sms,
        settings: &otp.settings,
        hmac_secret: &otp.hmac_secret,
    };
    let presented = PresentedCode {
        phone: &body.phone_number,
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
    let moved = change_use_case(&deps, &caller.user, &caller.session, &presented, &languages)
        .await
        .map_err(|error| {
            Outcome::failure("phone change failed", &error.problem(), &error).for_user(user)
        })?;
    if let Err(error) = &moved.notice {
        // The move stands; operators see the old number was not told (the reason names no
        // number and no text).
        worker::console_warn!(
            "{}",
            json!({"level": "warn", "msg": "the number an account left was not told",
                   "user_id": user, "reason": error.to_string()})
        );
    }
    Ok(Outcome::json(200, &json!({ "user": user_json(&moved.user) }))?.for_user(user))
}
