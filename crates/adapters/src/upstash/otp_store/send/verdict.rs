//! A send's steps' answers read and ranked into the send's one answer.

use super::super::super::script_reply::limit_of;
use super::super::super::Reply;
use super::super::steps::items;
use auth_core::domain::quota::Quota;
use auth_core::domain::risk::judge::{judge, Actions, Asker, RecordSignal};
use auth_core::ports::{BackendError, Counted, IssueOutcome, IssueRequest, Limit};

/// The phone's answer (`send_phone.lua`).
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Phone {
    pub(super) outcome: String,
    retry_after_secs: u32,
    /// The number logged in recently.
    returning: bool,
}

impl Phone {
    pub(super) fn issued(&self) -> bool {
        self.outcome == "issued"
    }
}

/// One shared scope's answer (`send_scope.lua`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) enum Scope {
    /// Counted: the counter's count and seconds left, and what the scope's record said.
    Counted {
        count: u32,
        ttl: u32,
        record: RecordSignal,
    },
    /// The counter was at its limit: nothing counted.
    Over { ttl: u32 },
}

impl Scope {
    fn over(self) -> Option<u32> {
        match self {
            Scope::Over { ttl } => Some(ttl),
            Scope::Counted { .. } => None,
        }
    }

    fn record(self) -> RecordSignal {
        match self {
            Scope::Counted { record, .. } => record,
            Scope::Over { .. } => RecordSignal::default(),
        }
    }

    /// Whether this send tripped the scope's breaker.
    pub(super) fn tripped(answer: &Result<Scope, BackendError>) -> bool {
        matches!(answer, Ok(scope) if scope.record().tripped)
    }
}

/// Each step's answer, or its failure.
pub(super) struct Answers {
    pub(super) phone: Result<Phone, BackendError>,
    pub(super) address: Result<Scope, BackendError>,
    pub(super) country: Result<Scope, BackendError>,
    pub(super) global: Result<Scope, BackendError>,
    pub(super) network: Option<Result<Scope, BackendError>>,
}

/// The send's answer, ranked as the contract ranks the limits: the phone's refusals, then the
/// address, the calling code's budget, the service's (neither refuses a returning number),
/// then the risk records' signals as `auth_core::domain::risk::judge` rules. A failed step fails the
/// send unless the phone already refused it. The quota is the address's, as it stands once
/// the send is answered (its count handed back when the send does not go ahead).
pub(super) fn decide(
    a: &Answers,
    r: &IssueRequest<'_>,
) -> Result<Counted<IssueOutcome>, BackendError> {
    let s = r.settings;
    let phone = a.phone.as_ref().map_err(Clone::clone)?;
    let address = a.address.as_ref().ok().copied();
    let quota = |issued: bool| {
        let (count, reset_secs) = match address? {
            Scope::Over { ttl } => (s.ip_sends_per_window, ttl),
            Scope::Counted { count, ttl, .. } if issued => (count, ttl),
            Scope::Counted { count, ttl, .. } => (count.saturating_sub(1), ttl),
        };
        Some(Quota {
            limit: s.ip_sends_per_window,
            window_secs: s.ip_send_window_secs,
            remaining: s.ip_sends_per_window.saturating_sub(count),
            reset_secs,
        })
    };
    let limited = |limit, retry_after_secs| {
        Ok(Counted::new(
            IssueOutcome::Limited {
                limit,
                retry_after_secs,
            },
            quota(false),
        ))
    };
    if !phone.issued() {
        return limited(limit_of(&phone.outcome)?, phone.retry_after_secs);
    }
    let scope = |answer: &Result<Scope, BackendError>| answer.clone();
    let (address, country, global) = (scope(&a.address)?, scope(&a.country)?, scope(&a.global)?);
    let network = a.network.as_ref().map(scope).transpose()?;
    if let Some(ttl) = address.over() {
        return limited(Limit::ClientIp, ttl);
    }
    for (budget, limit) in [
        (country, Limit::CountryBudget),
        (global, Limit::GlobalBudget),
    ] {
        if let (Some(ttl), false) = (budget.over(), phone.returning) {
            return limited(limit, ttl);
        }
    }
    let asker = Asker {
        returning: phone.returning,
        human: r.caller.human,
    };
    match judge(
        country.record(),
        network.map(Scope::record),
        asker,
        Actions::of(s),
    ) {
        Err(hit) => Ok(Counted::new(IssueOutcome::Risky(hit), quota(false))),
        Ok(signals) => Ok(Counted {
            outcome: IssueOutcome::Issued,
            quota: quota(true),
            signals,
            account: None,
        }),
    }
}

/// `{outcome, retry_after, returning}`.
pub(super) fn phone_reply(reply: Reply) -> Result<Phone, BackendError> {
    let items = items(reply)?;
    let bad = || BackendError::Failed(format!("unexpected phone reply {items:?}"));
    match items.as_slice() {
        [Reply::String(outcome), retry, returning] => Ok(Phone {
            outcome: outcome.clone(),
            retry_after_secs: number(retry).ok_or_else(bad)?,
            returning: number(returning).ok_or_else(bad)? == 1,
        }),
        _ => Err(bad()),
    }
}

/// `{'counted', count, ttl, open, tripped, volume}` or `{'over', ttl}`.
pub(super) fn scope_reply(reply: Reply) -> Result<Scope, BackendError> {
    let items = items(reply)?;
    let bad = || BackendError::Failed(format!("unexpected scope reply {items:?}"));
    let n = |item: &Reply| number(item).ok_or_else(bad);
    let seconds = |item: &Reply| n(item).map(|secs| Some(secs).filter(|s| *s > 0));
    match items.as_slice() {
        [kind, count, ttl, open, tripped, volume] if kind == "counted" => Ok(Scope::Counted {
            count: n(count)?,
            ttl: n(ttl)?,
            record: RecordSignal {
                breaker_open_secs: seconds(open)?,
                tripped: n(tripped)? == 1,
                volume_spent_secs: seconds(volume)?,
            },
        }),
        [kind, ttl] if kind == "over" => Ok(Scope::Over { ttl: n(ttl)? }),
        _ => Err(bad()),
    }
}

fn number(item: &Reply) -> Option<u32> {
    item.as_u64().and_then(|n| u32::try_from(n).ok())
}
