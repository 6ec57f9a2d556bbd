//! Sending a code, as send-otp and the number change's send both do: the provider from
//! configuration, the use case, and the answer's body.

use crate::context::Ctx;
use crate::outcome::Outcome;
use crate::platform::{WebCryptoRandom, WorkerClock};
use crate::sms::Sms;
use auth_adapters::turnstile::Turnstile;
use auth_core::domain::otp::CodePurpose;
use auth_core::domain::phone::PhoneNumber;
use auth_core::domain::regions::RegionId;
use auth_core::domain::risk::RiskDecision;
use auth_core::http::bodies::SendOtpBody;
use auth_core::http::metrics::OtpFacts;
use auth_core::ports::{BackendError, BotCheck, BotVerdict};
use auth_core::usecases::change_phone::{send_change_code, Mover};
use auth_core::usecases::send_otp::{send_otp, SendOtpDeps, SendOtpInput, SendOtpOutput};
use serde_json::{json, Value};

/// Sends the code `body` asks for to `phone` (the body's number, parsed), through the Redis of
/// its `region`: a login's (on `session_id` when the client names one), or, with `changing`,
/// the code that moves that caller to the number.
pub async fn send_code(
    ctx: &Ctx,
    body: &SendOtpBody,
    (phone, region): (&PhoneNumber, RegionId),
    session_id: Option<&str>,
    changing: Option<&Mover<'_>>,
) -> Result<SendOtpOutput, Outcome> {
    let auth = ctx.auth()?;
    let sms = Sms::from_config(&auth.sms).map_err(|why| Outcome::misconfigured(&why))?;
    let bot =
        ConfiguredBotCheck(auth.turnstile.as_ref().map(|(url, secret, expected)| {
            Turnstile::new(url, secret).expecting(expected.clone())
        }));
    let deps = SendOtpDeps {
        store: &ctx.otp_store_in(region)?,
        sms: &sms,
        rng: &WebCryptoRandom,
        clock: &WorkerClock,
        bot: &bot,
        settings: &auth.settings,
        hmac_secret: &auth.hmac_secret,
    };
    let accept_language = ctx.header("accept-language");
    let edge = ctx.edge()?;
    let header_token = ctx.header("cf-turnstile-response");
    let input = SendOtpInput {
        phone,
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
        Some(mover) => send_change_code(&deps, mover, input).await,
    };
    let cooloff_secs = auth.settings.risk.counters.breaker_cooloff_secs;
    if let Ok(sent) = &sent {
        log_trips(&sent.decision, cooloff_secs);
    }
    sent.map_err(|error| {
        let decision = error.decision().cloned();
        if let Some(decision) = &decision {
            log_trips(decision, cooloff_secs);
        }
        Outcome::failure("send-otp failed", &error.problem(), &error).with_otp(OtpFacts {
            calling_code: None,
            decision,
        })
    })
}

/// The audit line of each breaker a send tripped: operators see which calling code or
/// network stopped converting, for how long, and what it did to the send that tripped it
/// (`allow`: let through, with no bot check to ask or a returning number).
fn log_trips(decision: &RiskDecision, cooloff_secs: u32) {
    for trip in &decision.tripped {
        worker::console_warn!(
            "{}",
            json!({"level": "warn", "msg": "breaker tripped", "scope": trip.scope.as_str(),
                   "key": trip.key, "cool_off_seconds": cooloff_secs,
                   "action": format!("{:?}", decision.action).to_lowercase()})
        );
    }
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

/// The answer of a sent code, with its calling code for the metrics.
pub fn sent_answer(sent: &SendOtpOutput) -> Result<Outcome, Outcome> {
    // The signals that fired on a send that went ahead (allowed, or after a passed check).
    let decision = Some(sent.decision.clone()).filter(|d| !d.reasons.is_empty());
    let facts = OtpFacts {
        calling_code: Some(sent.calling_code),
        decision,
    };
    Ok(Outcome::json(200, &sent_json(sent))?
        .with_otp(facts)
        .with_quota(sent.quota.as_ref()))
}

/// The body of a sent code's answer.
fn sent_json(sent: &SendOtpOutput) -> Value {
    json!({
        "message": "OTP sent successfully",
        "session_id": sent.session_id.as_str(),
        "expires_in": sent.expires_in,
        "resend_after": sent.resend_after,
        "channel": sent.channel.as_str(),
    })
}
