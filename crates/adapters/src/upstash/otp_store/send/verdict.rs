//! A send's steps' answers read and ranked into the send's one answer.

use super::super::super::script_reply::{limit_of, outcome_of, quota_of};
use super::super::super::Reply;
use super::super::steps::items;
use auth_core::ports::{BackendError, Counted, CounterHit, IssueOutcome, Limit};
use auth_core::quota::{Quota, QuotaPolicy};
use auth_core::risk::{Action, RiskReason};
use auth_core::settings::Settings;

/// One shared scope's answer.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) enum Scope {
    Counted { count: u32, ttl: u32 },
    Over { ttl: u32 },
    Risky(Hit),
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct Hit {
    action: Action,
    reason: RiskReason,
    retry_after_secs: u32,
    pub(super) tripped: bool,
}

/// Each step's answer, or its failure.
pub(super) struct Answers {
    pub(super) phone: Result<Vec<Reply>, BackendError>,
    pub(super) address: Result<Scope, BackendError>,
    pub(super) country: Result<Scope, BackendError>,
    pub(super) global: Result<Scope, BackendError>,
    pub(super) network: Option<Result<Scope, BackendError>>,
}

/// The send's answer, ranked as the single-script store ranked its limits: the phone's
/// refusals, then the address, the calling code's budget, the service's, then the risk
/// signals (the strictest; the calling code's among equals). A failed step fails the send
/// unless the phone already refused it.
pub(super) fn decide(a: &Answers, s: &Settings) -> Result<Counted<IssueOutcome>, BackendError> {
    let phone = a.phone.as_ref().map_err(Clone::clone)?;
    let (outcome, retry_after_secs) = outcome_of(phone)?;
    if outcome != "issued" {
        let limit = limit_of(outcome)?;
        return Ok(refusal(
            IssueOutcome::Limited {
                limit,
                retry_after_secs,
            },
            quota_of(phone)?,
        ));
    }
    let scope = |answer: &Result<Scope, BackendError>| answer.clone();
    let (address, country, global) = (scope(&a.address)?, scope(&a.country)?, scope(&a.global)?);
    let network = a.network.as_ref().map(scope).transpose()?;
    let address_quota = |count: u32, reset_secs: u32| Quota {
        policy: QuotaPolicy::Address,
        limit: s.ip_sends_per_window,
        window_secs: s.ip_send_window_secs,
        remaining: s.ip_sends_per_window.saturating_sub(count),
        reset_secs,
    };
    let over = |answer: Scope| match answer {
        Scope::Over { ttl } => Some(ttl),
        _ => None,
    };
    let limited = |limit, retry_after_secs| IssueOutcome::Limited {
        limit,
        retry_after_secs,
    };
    if let Some(ttl) = over(address) {
        let spent = address_quota(s.ip_sends_per_window, ttl);
        return Ok(refusal(limited(Limit::ClientIp, ttl), Some(spent)));
    }
    if let Some(ttl) = over(country) {
        return Ok(refusal(limited(Limit::CountryBudget, ttl), None));
    }
    if let Some(ttl) = over(global) {
        return Ok(refusal(limited(Limit::GlobalBudget, ttl), None));
    }
    let hit = |answer: Option<Scope>| match answer {
        Some(Scope::Risky(hit)) => Some(hit),
        _ => None,
    };
    let (cc, asn) = (hit(Some(country)), hit(network));
    let chosen = match (cc, asn) {
        (Some(c), Some(n)) if n.action == Action::Refuse && c.action != Action::Refuse => Some(n),
        (Some(c), _) => Some(c),
        (None, n) => n,
    };
    if let Some(h) = chosen {
        return Ok(refusal(
            IssueOutcome::Risky(CounterHit {
                action: h.action,
                reason: h.reason,
                retry_after_secs: h.retry_after_secs,
                tripped_calling_code: cc.is_some_and(|c| c.tripped),
                tripped_asn: asn.is_some_and(|n| n.tripped),
            }),
            None,
        ));
    }
    // Issued: the quota nearest to refusing, the phone's unless the address has fewer left.
    let mut quota = quota_of(phone)?;
    if let (Scope::Counted { count, ttl }, Some(phone_quota)) = (address, quota) {
        let from_address = address_quota(count, ttl);
        if from_address.remaining < phone_quota.remaining {
            quota = Some(from_address);
        }
    }
    Ok(Counted {
        outcome: IssueOutcome::Issued,
        quota,
    })
}

fn refusal(outcome: IssueOutcome, quota: Option<Quota>) -> Counted<IssueOutcome> {
    Counted { outcome, quota }
}

/// `{'counted', count, ttl}`, `{'over', ttl}` or `{'risky', retry, action, reason, tripped}`.
pub(super) fn scope_reply(reply: Reply) -> Result<Scope, BackendError> {
    let items = items(reply)?;
    let bad = || BackendError::Failed(format!("unexpected scope reply {items:?}"));
    let number = |item: &Reply| {
        item.as_u64()
            .and_then(|n| u32::try_from(n).ok())
            .ok_or_else(bad)
    };
    let text = |item: &Reply| item.as_str().map(str::to_owned).ok_or_else(bad);
    match items.as_slice() {
        [kind, count, ttl] if kind == "counted" => Ok(Scope::Counted {
            count: number(count)?,
            ttl: number(ttl)?,
        }),
        [kind, ttl] if kind == "over" => Ok(Scope::Over { ttl: number(ttl)? }),
        [kind, retry, action, reason, tripped] if kind == "risky" => Ok(Scope::Risky(Hit {
            action: match text(action)?.as_str() {
                "challenge" => Action::Challenge,
                "refuse" => Action::Refuse,
                _ => return Err(bad()),
            },
            reason: match text(reason)?.as_str() {
                "calling_code_breaker" => RiskReason::CallingCodeBreaker,
                "asn_breaker" => RiskReason::AsnBreaker,
                "asn_volume" => RiskReason::AsnVolume,
                _ => return Err(bad()),
            },
            retry_after_secs: number(retry)?,
            tripped: number(tripped)? == 1,
        })),
        _ => Err(bad()),
    }
}
