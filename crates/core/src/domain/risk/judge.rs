//! What the risk counters' signals do to a send: the one rule, applied by every OTP store
//! (Redis and in memory) to what its records said.
//!
//! The counters fire on evidence an attacker can manufacture: anyone can send codes that
//! nobody types in, from many addresses of one network, to make a network or a calling code
//! look like it is pumping. So a signal never refuses on its own account unless an operator set
//! `refuse` for it; by default it asks for the bot check, and:
//! - a number that logged in recently (a returning user) is never stopped by the counters, nor
//!   by the calling code's and the service's send budgets: what they catch are numbers that
//!   never convert;
//! - a caller who passed the bot check answers every challenge;
//! - with no bot check configured (`CAPTCHA=never`, the default) a challenge lets the send
//!   through: the signal is only reported, in the log and the metrics.

use super::{Action, CaptchaMode, RiskReason};
use crate::config::settings::Settings;

/// What one risk record (a calling code's, a network's) said of a send.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RecordSignal {
    /// The breaker is open: the seconds until it closes.
    pub breaker_open_secs: Option<u32>,
    /// This send tripped it (it is open now).
    pub tripped: bool,
    /// The network's volume budget is spent: the seconds until its window ends.
    pub volume_spent_secs: Option<u32>,
}

/// Who asks for the send, as far as the counters care.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Asker {
    /// The number logged in within `RISK_RETURNING_DAYS`.
    pub returning: bool,
    /// The caller passed a bot check.
    pub human: bool,
}

/// The counters stopped a send: with a refusal, or until the caller passes the bot check.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CounterHit {
    pub action: Action,
    /// The signal that decided it (the strictest; the calling code's before the network's).
    pub reason: RiskReason,
    pub retry_after_secs: u32,
    /// Whether this send tripped the calling code's breaker, and the network's.
    pub tripped_calling_code: bool,
    pub tripped_asn: bool,
}

/// The counters' signals on a send they let through, for the log and the metrics.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CounterSignals {
    pub calling_code_breaker: bool,
    pub asn_breaker: bool,
    pub asn_volume: bool,
    pub tripped_calling_code: bool,
    pub tripped_asn: bool,
}

impl CounterSignals {
    /// The signals that fired, in the order of [`RiskReason`].
    pub fn reasons(&self) -> Vec<RiskReason> {
        [
            (self.calling_code_breaker, RiskReason::CallingCodeBreaker),
            (self.asn_breaker, RiskReason::AsnBreaker),
            (self.asn_volume, RiskReason::AsnVolume),
        ]
        .into_iter()
        .filter_map(|(fired, reason)| fired.then_some(reason))
        .collect()
    }
}

/// The settings the rule reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Actions {
    /// `RISK_BREAKER`: both breakers.
    pub breaker: Action,
    /// `RISK_ASN_VOLUME`.
    pub asn_volume: Action,
    pub captcha: CaptchaMode,
}

impl Actions {
    /// The settings' actions.
    pub fn of(settings: &Settings) -> Self {
        Self {
            breaker: settings.risk.counters.breaker,
            asn_volume: settings.risk.counters.asn_volume,
            captcha: settings.captcha,
        }
    }
}

/// Whether the records' signals stop this send (`Err`), or let it through with what fired.
pub fn judge(
    calling_code: RecordSignal,
    network: Option<RecordSignal>,
    asker: Asker,
    actions: Actions,
) -> Result<CounterSignals, CounterHit> {
    let network = network.unwrap_or_default();
    let signals = CounterSignals {
        calling_code_breaker: calling_code.breaker_open_secs.is_some(),
        asn_breaker: network.breaker_open_secs.is_some(),
        asn_volume: network.volume_spent_secs.is_some(),
        tripped_calling_code: calling_code.tripped,
        tripped_asn: network.tripped,
    };
    if asker.returning {
        return Ok(signals);
    }
    let fired = [
        (
            calling_code.breaker_open_secs,
            actions.breaker,
            RiskReason::CallingCodeBreaker,
        ),
        (
            network.breaker_open_secs,
            actions.breaker,
            RiskReason::AsnBreaker,
        ),
        (
            network.volume_spent_secs,
            actions.asn_volume,
            RiskReason::AsnVolume,
        ),
    ];
    let stops = |action: Action| match action {
        Action::Allow => false,
        Action::Challenge => !asker.human && actions.captcha != CaptchaMode::Never,
        Action::Refuse => true,
    };
    // The strictest stop decides; among equals the first (the calling code's).
    let mut chosen: Option<(Action, RiskReason, u32)> = None;
    for (secs, action, reason) in fired {
        let Some(secs) = secs else { continue };
        if stops(action) && chosen.is_none_or(|(a, _, _)| action > a) {
            chosen = Some((action, reason, secs.max(1)));
        }
    }
    match chosen {
        None => Ok(signals),
        Some((action, reason, retry_after_secs)) => Err(CounterHit {
            action,
            reason,
            retry_after_secs,
            tripped_calling_code: signals.tripped_calling_code,
            tripped_asn: signals.tripped_asn,
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const OPEN: RecordSignal = RecordSignal {
        breaker_open_secs: Some(900),
        tripped: false,
        volume_spent_secs: None,
    };

    fn actions(breaker: Action, captcha: CaptchaMode) -> Actions {
        Actions {
            breaker,
            asn_volume: Action::Challenge,
            captcha,
        }
    }

    const NEW: Asker = Asker {
        returning: false,
        human: false,
    };

    #[test]
    fn without_a_bot_check_an_open_breaker_lets_the_send_through_and_reports_it() {
        let let_through = judge(
            OPEN,
            Some(OPEN),
            NEW,
            actions(Action::Challenge, CaptchaMode::Never),
        )
        .unwrap();
        assert_eq!(
            let_through.reasons(),
            [RiskReason::CallingCodeBreaker, RiskReason::AsnBreaker]
        );
    }

    #[test]
    fn with_a_bot_check_an_open_breaker_challenges_until_the_caller_passes_it() {
        let risky = actions(Action::Challenge, CaptchaMode::Risky);
        let hit = judge(RecordSignal::default(), Some(OPEN), NEW, risky).unwrap_err();
        assert_eq!(
            (hit.action, hit.reason, hit.retry_after_secs),
            (Action::Challenge, RiskReason::AsnBreaker, 900)
        );
        let human = Asker { human: true, ..NEW };
        assert!(judge(RecordSignal::default(), Some(OPEN), human, risky).is_ok());
    }

    #[test]
    fn only_an_operators_refuse_refuses_and_never_a_returning_number() {
        let refuse = actions(Action::Refuse, CaptchaMode::Never);
        let human = Asker { human: true, ..NEW };
        let hit = judge(OPEN, None, human, refuse).unwrap_err();
        assert_eq!(
            (hit.action, hit.reason),
            (Action::Refuse, RiskReason::CallingCodeBreaker)
        );
        let returning = Asker {
            returning: true,
            ..NEW
        };
        let signals = judge(OPEN, Some(OPEN), returning, refuse).unwrap();
        assert!(signals.calling_code_breaker && signals.asn_breaker);
    }

    #[test]
    fn the_strictest_stop_decides_and_trips_are_reported_either_way() {
        let tripped = RecordSignal {
            tripped: true,
            ..OPEN
        };
        let volume = RecordSignal {
            volume_spent_secs: Some(30),
            ..RecordSignal::default()
        };
        let strict = Actions {
            breaker: Action::Challenge,
            asn_volume: Action::Refuse,
            captcha: CaptchaMode::Risky,
        };
        let hit = judge(tripped, Some(volume), NEW, strict).unwrap_err();
        assert_eq!(
            (hit.action, hit.reason, hit.retry_after_secs),
            (Action::Refuse, RiskReason::AsnVolume, 30)
        );
        assert!(hit.tripped_calling_code && !hit.tripped_asn);
        let through = judge(
            tripped,
            None,
            NEW,
            actions(Action::Allow, CaptchaMode::Risky),
        )
        .unwrap();
        assert!(through.tripped_calling_code && through.calling_code_breaker);
    }
}
