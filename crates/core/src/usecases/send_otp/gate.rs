//! The gate in front of a paid send: the risk decision from the edge's signals
//! ([`crate::risk`]), then, when the settings ask for one, the bot check of the client's
//! challenge token. Nothing is counted or sent when the gate refuses.

use super::SendOtpError;
use crate::edge::EdgeSignals;
use crate::phone::PhoneNumber;
use crate::ports::{BotCheck, BotVerdict};
use crate::risk::{Action, RiskDecision};
use crate::settings::Settings;

/// The decision the send goes ahead with, or why it does not.
pub(super) async fn gate<B: BotCheck>(
    bot: &B,
    settings: &Settings,
    phone: &PhoneNumber,
    edge: &EdgeSignals,
    captcha_token: Option<&str>,
    client_ip: &str,
) -> Result<RiskDecision, SendOtpError> {
    let decision = settings.risk.assess(phone, edge);
    if decision.action == Action::Refuse {
        return Err(SendOtpError::Refused(decision));
    }
    if !settings.captcha.requires_check(&decision) {
        return Ok(decision);
    }
    let Some(token) = captcha_token.filter(|t| !t.is_empty()) else {
        return Err(SendOtpError::CaptchaRequired(decision));
    };
    let remote_ip = Some(client_ip).filter(|ip| *ip != "unknown");
    match bot.verify(token, remote_ip).await {
        Ok(BotVerdict::Human) => Ok(decision),
        Ok(BotVerdict::NotHuman) => Err(SendOtpError::CaptchaFailed(decision)),
        Err(_) if settings.captcha_outage.sends(&decision) => Ok(decision),
        Err(outage) => Err(SendOtpError::CaptchaUnavailable(outage)),
    }
}

#[cfg(test)]
mod tests;
