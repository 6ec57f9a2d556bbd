//! Sending a code, as send-otp and the number change's send both do: the provider from
//! configuration, the use case, and the answer's body.

use crate::context::Ctx;
use crate::outcome::Outcome;
use crate::platform::WebCryptoRandom;
use crate::sms::Sms;
use auth_adapters::turnstile::Turnstile;
use auth_core::account::UserId;
use auth_core::bodies::SendOtpBody;
use auth_core::otp::CodePurpose;
use auth_core::ports::{BackendError, BotCheck, BotVerdict};
use auth_core::usecases::change_phone::send_change_code;
use auth_core::usecases::send_otp::{send_otp, SendOtpDeps, SendOtpInput, SendOtpOutput};
use serde_json::{json, Value};

/// Sends the code `body` asks for: a login's (on `session_id` when the client names one), or,
/// with `changing`, the code that moves that user to the body's number.
pub async fn send_code(
    ctx: &Ctx,
    body: &SendOtpBody,
    session_id: Option<&str>,
    changing: Option<&UserId>,
) -> Result<SendOtpOutput, Outcome> {
    let otp = ctx.otp()?;
    let sms = Sms::from_config(&otp.sms).map_err(|why| Outcome::misconfigured(&why))?;
    let bot = ConfiguredBotCheck(
        otp.turnstile
            .as_ref()
            .map(|(url, secret)| Turnstile::new(url, secret)),
    );
    let deps = SendOtpDeps {
        store: &ctx.otp_store()?,
        sms: &sms,
        rng: &WebCryptoRandom,
        bot: &bot,
        settings: &otp.settings,
        hmac_secret: &otp.hmac_secret,
    };
    let accept_language = ctx.header("accept-language");
    let edge = ctx.edge()?;
    let header_token = ctx.header("cf-turnstile-response");
    let input = SendOtpInput {
        phone: &body.phone_number,
        session_id,
        client_ip: &ctx.client_ip,
        locale: body.locale.as_deref(),
        accept_language: accept_language.as_deref(),
        purpose: CodePurpose::Login,
        channel: body.channel.as_deref(),
        edge: &edge,
        captcha_token: body.captcha_token.as_deref().or(header_token.as_deref()),
    };
    let sent = match changing {
        None => send_otp(&deps, &input).await,
        Some(user) => send_change_code(&deps, user, input).await,
    };
    sent.map_err(|error| Outcome::failure("send-otp failed", &error.problem(), &error))
}

/// The configured bot check; without one (`CAPTCHA=never`, where the gate never asks) every
/// question is an outage.
struct ConfiguredBotCheck(Option<Turnstile>);

impl BotCheck for ConfiguredBotCheck {
    async fn verify(&self, token: &str, ip: Option<&str>) -> Result<BotVerdict, BackendError> {
        match &self.0 {
            Some(turnstile) => turnstile.verify(token, ip).await,
            None => Err(BackendError::Unavailable("no TURNSTILE_SECRET".into())),
        }
    }
}

/// The body of a sent code's answer.
pub fn sent_json(sent: &SendOtpOutput) -> Value {
    json!({
        "message": "OTP sent successfully",
        "session_id": sent.session_id.as_str(),
        "expires_in": sent.expires_in,
        "resend_after": sent.resend_after,
        "channel": sent.channel.as_str(),
    })
}
