//! The gate in front of a paid send: the risk decision from the edge's signals
//! ([`crate::domain::risk`]), then, when the settings ask for one, the bot check of the client's
//! challenge token. Nothing is counted or sent when the gate refuses. The store's risk
//! counters may ask for the bot check later ([`after_counters`]), in the same words.

use super::SendOtpError;
use crate::config::settings::Settings;
use crate::domain::edge::EdgeSignals;
use crate::domain::phone::PhoneNumber;
use crate::domain::risk::counters::Scope;
use crate::domain::risk::{Action, RiskDecision, Trip};
use crate::ports::{BotCheck, BotVerdict, CounterHit, CounterSignals};

/// The decision a send goes ahead with, and whether its caller passed a bot check.
pub(super) struct Passed {
    pub(super) decision: RiskDecision,
    pub(super) human: bool,
}

/// What the gate needs of the request.
pub(super) struct Asked<'a> {
    pub(super) phone: &'a PhoneNumber,
    pub(super) edge: &'a EdgeSignals,
    pub(super) captcha_token: Option<&'a str>,
    pub(super) client_ip: &'a str,
}

/// The decision the send goes ahead with, or why it does not.
pub(super) async fn gate<B: BotCheck>(
    bot: &B,
    settings: &Settings,
    asked: &Asked<'_>,
) -> Result<Passed, SendOtpError> {
    let decision = settings.risk.assess(asked.phone, asked.edge);
    if decision.action == Action::Refuse {
        return Err(SendOtpError::Refused(decision));
    }
    if !settings.captcha.requires_check(&decision) {
        return Ok(Passed {
            decision,
            human: false,
        });
    }
    check_token(bot, settings, decision, asked).await
}

/// The store's counters stopped the send (`hit`): a refusal, or the bot check they ask for.
/// `Ok` means the caller passed it (or the check is down and the outage setting lets the
/// send go): issue again as `human`.
pub(super) async fn after_counters<B: BotCheck>(
    bot: &B,
    settings: &Settings,
    decision: RiskDecision,
    hit: CounterHit,
    asked: &Asked<'_>,
) -> Result<Passed, SendOtpError> {
    let decision = with_hit(decision, hit, asked);
    if hit.action == Action::Refuse {
        return Err(SendOtpError::Refused(decision));
    }
    // Passed, or let through by the outage setting: either way the counters must not ask
    // again on the second try.
    let passed = check_token(bot, settings, decision, asked).await?;
    Ok(Passed {
        human: true,
        ..passed
    })
}

/// The decision with what the counters said added: their signal, its action if stricter, and
/// the breakers this send tripped.
pub(super) fn with_hit(
    mut decision: RiskDecision,
    hit: CounterHit,
    asked: &Asked<'_>,
) -> RiskDecision {
    decision.action = decision.action.max(hit.action);
    decision.reasons.push(hit.reason);
    with_trips(decision, hit.tripped_calling_code, hit.tripped_asn, asked)
}

/// The decision of a send that went ahead, with the counters' signals that fired without
/// stopping it (an open breaker with no bot check to ask, a returning number, a caller who
/// passed the check) and the breakers it tripped: the log and the metrics say so.
pub(super) fn with_signals(
    mut decision: RiskDecision,
    signals: CounterSignals,
    asked: &Asked<'_>,
) -> RiskDecision {
    decision.reasons.extend(signals.reasons());
    with_trips(
        decision,
        signals.tripped_calling_code,
        signals.tripped_asn,
        asked,
    )
}

fn with_trips(
    mut decision: RiskDecision,
    calling_code: bool,
    asn: bool,
    asked: &Asked<'_>,
) -> RiskDecision {
    if calling_code {
        decision.tripped.push(Trip {
            scope: Scope::CallingCode,
            key: u32::from(asked.phone.calling_code()),
        });
    }
    if let (true, Some(asn)) = (asn, asked.edge.asn) {
        decision.tripped.push(Trip {
            scope: Scope::Asn,
            key: asn,
        });
    }
    decision
}

/// Asks the bot check about the client's token.
async fn check_token<B: BotCheck>(
    bot: &B,
    settings: &Settings,
    decision: RiskDecision,
    asked: &Asked<'_>,
) -> Result<Passed, SendOtpError> {
    let Some(token) = asked.captcha_token.filter(|t| !t.is_empty()) else {
        return Err(SendOtpError::CaptchaRequired(decision));
    };
    let remote_ip = Some(asked.client_ip).filter(|ip| *ip != "unknown");
    match bot.verify(token, remote_ip).await {
        Ok(BotVerdict::Human) => Ok(Passed {
            decision,
            human: true,
        }),
        Ok(BotVerdict::NotHuman) => Err(SendOtpError::CaptchaFailed(decision)),
        // The check is down and the outage setting lets this send go, unchecked: the
        // counters may still ask, and the outage setting answers again.
        Err(_) if settings.captcha_outage.sends(&decision) => Ok(Passed {
            decision,
            human: false,
        }),
        Err(outage) => Err(SendOtpError::CaptchaUnavailable(outage)),
    }
}

#[cfg(test)]
mod tests;
