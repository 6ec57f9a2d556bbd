//! The risk decision of a send, made in core from what the edge says about the caller
//! ([`EdgeSignals`]) and the number asked for: allow it, ask for a bot check first, or refuse.
//! Each signal's action is a setting, so an operator runs strict or lenient; the strictest
//! action among the signals that fire wins. Then [`CaptchaMode`] says when a bot check
//! (Cloudflare Turnstile) is required: never, always, or when the decision asks for one.

use crate::domain::edge::EdgeSignals;
use crate::domain::phone::PhoneNumber;
use counters::{CounterPolicy, Scope};

pub mod counters;
pub mod judge;

/// What a signal does when it fires, least strict first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Action {
    Allow,
    /// Send only after a passed bot check (with `CAPTCHA=risky` or `always`).
    Challenge,
    /// 403 `SEND_REFUSED`, nothing sent.
    Refuse,
}

impl Action {
    fn parse(setting: &str, raw: Option<&str>, default: Action) -> Result<Action, String> {
        match raw.map(str::trim) {
            None | Some("") => Ok(default),
            Some("allow") => Ok(Action::Allow),
            Some("challenge") => Ok(Action::Challenge),
            Some("refuse") => Ok(Action::Refuse),
            Some(other) => Err(format!(
                "{setting}={other:?} must be allow, challenge or refuse"
            )),
        }
    }
}

/// Why a send looks risky.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RiskReason {
    /// The caller's country is not the number's.
    CountryMismatch,
    /// The edge's bot score is below `RISK_BOT_SCORE_BELOW`.
    LowBotScore,
    /// The number's calling code is not in `RISK_TRUSTED_CALLING_CODES`.
    UntrustedCallingCode,
    /// The breaker of the number's calling code is open: its recent sends stopped turning
    /// into logins (`counters`).
    CallingCodeBreaker,
    /// The breaker of the caller's network (ASN) is open.
    AsnBreaker,
    /// The caller's network sent more codes in the window than `RISK_ASN_SENDS_PER_WINDOW`.
    AsnVolume,
}

impl RiskReason {
    /// The label metrics and logs use.
    pub const fn as_str(self) -> &'static str {
        match self {
            RiskReason::CountryMismatch => "country_mismatch",
            RiskReason::LowBotScore => "low_bot_score",
            RiskReason::UntrustedCallingCode => "untrusted_calling_code",
            RiskReason::CallingCodeBreaker => "calling_code_breaker",
            RiskReason::AsnBreaker => "asn_breaker",
            RiskReason::AsnVolume => "asn_volume",
        }
    }
}

/// Calling codes trusted by default: markets where SMS pumping is rare and termination cheap
/// (North America, most of western Europe, Australia, New Zealand, Japan, Korea). Codes
/// outside it are not refused by default: they need the bot check when one is configured.
pub const DEFAULT_TRUSTED_CALLING_CODES: &[u16] = &[
    1, 31, 32, 33, 34, 39, 41, 43, 44, 45, 46, 47, 49, 61, 64, 81, 82, 353, 358,
];

/// The settings of the decision.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RiskPolicy {
    /// `RISK_COUNTRY_MISMATCH` (default `challenge`).
    pub country_mismatch: Action,
    /// `RISK_LOW_BOT_SCORE` (default `challenge`), below `RISK_BOT_SCORE_BELOW` (default 30).
    pub low_bot_score: Action,
    pub bot_score_below: u8,
    /// `RISK_UNTRUSTED_CALLING_CODE` (default `challenge`) for numbers whose calling code is
    /// not in `RISK_TRUSTED_CALLING_CODES` (default [`DEFAULT_TRUSTED_CALLING_CODES`]).
    pub untrusted_calling_code: Action,
    pub trusted_calling_codes: Vec<u16>,
    /// The counters kept in the store: per calling code and network, and their breakers.
    pub counters: CounterPolicy,
}

/// When a bot check is required (`CAPTCHA`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CaptchaMode {
    /// The default: no bot check; a `Challenge` decision sends.
    Never,
    Always,
    /// When the risk decision is `Challenge`.
    Risky,
}

/// What a send does when the bot check's own service is down (`CAPTCHA_OUTAGE`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CaptchaOutage {
    /// The default: refuse (503) a send the risk decision challenged, send the others.
    ClosedWhenRisky,
    Closed,
    Open,
}

/// The decision of one send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RiskDecision {
    pub action: Action,
    /// The signals that fired, whatever their action.
    pub reasons: Vec<RiskReason>,
    /// The breakers this send tripped (the calling code, the ASN), for the log and metrics.
    pub tripped: Vec<Trip>,
}

/// A breaker that tripped: its scope and which calling code or network.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Trip {
    pub scope: Scope,
    pub key: u32,
}

impl RiskPolicy {
    /// From the settings (`get` returns a setting by name).
    pub fn from_lookup(get: &impl Fn(&str) -> Option<String>) -> Result<Self, String> {
        let action = |name: &str| Action::parse(name, get(name).as_deref(), Action::Challenge);
        let below = match get("RISK_BOT_SCORE_BELOW").filter(|v| !v.trim().is_empty()) {
            None => 30,
            Some(raw) => raw
                .trim()
                .parse::<u8>()
                .ok()
                .filter(|n| (1..=99).contains(n))
                .ok_or_else(|| format!("RISK_BOT_SCORE_BELOW={raw:?} must be 1 to 99"))?,
        };
        let trusted = match get("RISK_TRUSTED_CALLING_CODES").filter(|v| !v.trim().is_empty()) {
            None => DEFAULT_TRUSTED_CALLING_CODES.to_vec(),
            Some(raw) => raw
                .split(',')
                .map(|code| code.trim().trim_start_matches('+').parse::<u16>())
                .collect::<Result<_, _>>()
                .map_err(|_| {
                    format!("RISK_TRUSTED_CALLING_CODES={raw:?} must list calling codes")
                })?,
        };
        Ok(Self {
            country_mismatch: action("RISK_COUNTRY_MISMATCH")?,
            low_bot_score: action("RISK_LOW_BOT_SCORE")?,
            bot_score_below: below,
            untrusted_calling_code: action("RISK_UNTRUSTED_CALLING_CODE")?,
            trusted_calling_codes: trusted,
            counters: CounterPolicy::from_lookup(get)?,
        })
    }

    /// The decision for a code to `phone` asked by the caller the edge describes. A signal the
    /// edge did not give (no country, no bot score) does not fire.
    pub fn assess(&self, phone: &PhoneNumber, edge: &EdgeSignals) -> RiskDecision {
        let mut fired = Vec::new();
        // Tor (`T1`) and an address of no known country (`XX`) match no number's country: an
        // attacker would pick them to hide where it is.
        let mismatch = match (edge.country.as_deref(), phone.country()) {
            (Some("T1" | "XX"), _) => true,
            (Some(caller), Some(number)) => caller != number,
            _ => false,
        };
        if mismatch {
            fired.push((RiskReason::CountryMismatch, self.country_mismatch));
        }
        if edge.bot_score.is_some_and(|s| s < self.bot_score_below) {
            fired.push((RiskReason::LowBotScore, self.low_bot_score));
        }
        if !self.trusted_calling_codes.contains(&phone.calling_code()) {
            fired.push((
                RiskReason::UntrustedCallingCode,
                self.untrusted_calling_code,
            ));
        }
        RiskDecision {
            action: fired.iter().map(|(_, a)| *a).max().unwrap_or(Action::Allow),
            reasons: fired.into_iter().map(|(r, _)| r).collect(),
            tripped: Vec::new(),
        }
    }
}

impl CaptchaMode {
    pub fn parse(raw: Option<&str>) -> Result<Self, String> {
        match raw.map(str::trim) {
            None | Some("") | Some("never") => Ok(CaptchaMode::Never),
            Some("always") => Ok(CaptchaMode::Always),
            Some("risky") => Ok(CaptchaMode::Risky),
            Some(other) => Err(format!("CAPTCHA={other:?} must be never, always or risky")),
        }
    }

    /// Whether a send with `decision` needs a passed bot check.
    pub fn requires_check(self, decision: &RiskDecision) -> bool {
        match self {
            CaptchaMode::Never => false,
            CaptchaMode::Always => true,
            CaptchaMode::Risky => decision.action == Action::Challenge,
        }
    }
}

impl CaptchaOutage {
    pub fn parse(raw: Option<&str>) -> Result<Self, String> {
        match raw.map(str::trim) {
            None | Some("") | Some("closed_when_risky") => Ok(CaptchaOutage::ClosedWhenRisky),
            Some("closed") => Ok(CaptchaOutage::Closed),
            Some("open") => Ok(CaptchaOutage::Open),
            Some(other) => Err(format!(
                "CAPTCHA_OUTAGE={other:?} must be closed_when_risky, closed or open"
            )),
        }
    }

    /// Whether a send with `decision` goes ahead while the bot check cannot be asked.
    pub fn sends(self, decision: &RiskDecision) -> bool {
        match self {
            CaptchaOutage::Open => true,
            CaptchaOutage::Closed => false,
            CaptchaOutage::ClosedWhenRisky => decision.action == Action::Allow,
        }
    }
}

#[cfg(test)]
mod tests;
