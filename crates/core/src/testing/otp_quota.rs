//! The quotas the in-memory OTP store reports with its answers, as the Lua scripts compute
//! them (`ports::Counted`): the spent quota of a refusing limit, the fewest left after a count.

use crate::ports::Limit;
use crate::quota::{Quota, QuotaPolicy};
use crate::settings::Settings;

/// The quota of a send refused by `limit`, spent; none for a limit that is not a caller's.
pub(super) fn spent_send(limit: Limit, s: &Settings, reset_secs: u32) -> Option<Quota> {
    let (policy, limit, window_secs) = match limit {
        Limit::Cooldown => (QuotaPolicy::Cooldown, 1, s.resend_cooldown_secs),
        Limit::PhoneWindow => (QuotaPolicy::Phone, s.sends_per_window, s.send_window_secs),
        Limit::PhoneDaily => (QuotaPolicy::PhoneDay, s.sends_per_day, 86_400),
        Limit::ClientIp => (
            QuotaPolicy::Address,
            s.ip_sends_per_window,
            s.ip_send_window_secs,
        ),
        _ => return None,
    };
    Some(Quota {
        policy,
        limit,
        window_secs,
        remaining: 0,
        reset_secs,
    })
}

/// One counted limit: its policy, its count after this request, its quota and window, and
/// the seconds until its window ends.
pub(super) type Counter = (QuotaPolicy, i64, u32, u32, u32);

/// The counted limit with the fewest left (the first on a tie).
pub(super) fn nearest(counters: &[Counter]) -> Option<Quota> {
    let left = |(_, count, limit, _, _): &Counter| i64::from(*limit) - count;
    let mut best: Option<&Counter> = None;
    for counter in counters {
        if best.is_none_or(|b| left(counter) < left(b)) {
            best = Some(counter);
        }
    }
    best.map(|c| Quota {
        policy: c.0,
        limit: c.2,
        window_secs: c.3,
        remaining: left(c).max(0) as u32,
        reset_secs: c.4,
    })
}
