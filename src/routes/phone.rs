//! `POST /api/v1/users/me/phone/send-otp` and `POST /api/v1/users/me/phone`: the caller moves
//! their account to a new number with a code sent to it (`usecases::change_phone`).

use crate::context::Ctx;
use crate::extract;
use crate::outcome::{Handled, Outcome};
use crate::platform::WebCryptoRandom;
use crate::responses::user_json;
use crate::sms::Sms;
use auth_core::bodies::{LoginBody, SendOtpBody};
use auth_core::otp::CodePurpose;
use auth_core::usecases::change_phone::{
    change_phone as change_use_case, send_change_code, ChangePhoneDeps,
};
use auth_core::usecases::code_check::PresentedCode;
use auth_core::usecases::send_otp::{SendOtpDeps, SendOtpInput};
use serde_json::json;

/// Sends the change code to the new number, with send-otp's limits and answer.
pub async fn send_code(ctx: &Ctx) -> Handled {
    let caller = extract::caller(ctx).await?;
    let otp = ctx.otp()?;
    let body: SendOtpBody = ctx.json()?;
    let sms = Sms::from_config(&otp.sms).map_err(|why| Outcome::misconfigured(&why))?;
    let deps = SendOtpDeps {
        store: &ctx.otp_store()?,
        sms: &sms,
        rng: &WebCryptoRandom,
        settings: &otp.settings,
        hmac_secret: &otp.hmac_secret,
    };
    let accept_language = ctx.header("accept-language");
    let input = SendOtpInput {
        phone: &body.phone_number,
        session_id: None,
        client_ip: &ctx.client_ip,
        locale: body.locale.as_deref(),
        accept_language: accept_language.as_deref(),
        purpose: CodePurpose::Login,
        channel: body.channel.as_deref(),
    };
    let user = caller.user.as_str();
    let sent = send_change_code(&deps, &caller.user, input)
        .await
        .map_err(|error| {
            Outcome::failure("change code failed", &error.problem(), &error).for_user(user)
        })?;
    let answer = json!({
        "message": "OTP sent successfully",
        "session_id": sent.session_id.as_str(),
        "expires_in": sent.expires_in,
        "resend_after": sent.resend_after,
        "channel": sent.channel.as_str(),
    });
    Ok(Outcome::json(200, &answer)?.for_user(user))
}

/// Checks the change code and moves the caller's account to its number.
pub async fn change(ctx: &Ctx) -> Handled {
    let caller = extract::caller(ctx).await?;
    let otp = ctx.otp()?;
    let body: LoginBody = ctx.json()?;
    let deps = ChangePhoneDeps {
        store: &ctx.otp_store()?,
        accounts: &ctx.accounts()?,
        settings: &otp.settings,
        hmac_secret: &otp.hmac_secret,
    };
    let presented = PresentedCode {
        phone: &body.phone_number,
        otp: &body.otp,
        session_id: body.session_id.as_deref(),
        client_ip: &ctx.client_ip,
    };
    let user = caller.user.as_str();
    let moved = change_use_case(&deps, &caller.user, &caller.session, &presented)
        .await
        .map_err(|error| {
            Outcome::failure("phone change failed", &error.problem(), &error).for_user(user)
        })?;
    Ok(Outcome::json(200, &json!({ "user": user_json(&moved) }))?.for_user(user))
}
