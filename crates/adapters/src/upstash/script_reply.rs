//! The OTP scripts' replies read into the store's outcomes: `{outcome, number}`, then the
//! caller's quota or the risk counters' verdict, as `scripts/*.lua` document them.

use super::{RedisError, Reply, UpstashRedis};
use auth_core::ports::{BackendError, CounterHit, Limit};
use auth_core::quota::{Quota, QuotaPolicy};
use auth_core::risk::{Action, RiskReason};

/// Runs a script and answers the items of its array reply.
pub(super) async fn run(
    redis: &UpstashRedis,
    script: &str,
    keys: &[String],
    args: &[String],
) -> Result<Vec<Reply>, BackendError> {
    let keys: Vec<&str> = keys.iter().map(String::as_str).collect();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    match redis.eval(script, &keys, &args).await.map_err(backend)? {
        Reply::Array(items) => Ok(items),
        other => Err(unexpected(&other)),
    }
}

fn unexpected(reply: &dyn std::fmt::Display) -> BackendError {
    BackendError::Failed(format!("unexpected script reply {reply}"))
}

/// The `{outcome, number, ..}` every reply starts with.
pub(super) fn outcome_of(items: &[Reply]) -> Result<(&str, u32), BackendError> {
    match items {
        [Reply::String(outcome), number, ..] => Ok((outcome, number_of(number)?)),
        _ => Err(unexpected(&Reply::Array(items.to_vec()))),
    }
}

fn number_of(item: &Reply) -> Result<u32, BackendError> {
    item.as_u64()
        .and_then(|n| u32::try_from(n).ok())
        .ok_or_else(|| unexpected(item))
}

/// The quota a reply carries after its outcome and number: policy, quota, window seconds,
/// remaining, reset seconds; none when the reply ends at its number.
pub(super) fn quota_of(items: &[Reply]) -> Result<Option<Quota>, BackendError> {
    let bad = || unexpected(&Reply::Array(items.to_vec()));
    match items {
        [_, _] => Ok(None),
        [_, _, Reply::String(policy), limit, window, remaining, reset] => Ok(Some(Quota {
            policy: QuotaPolicy::parse(policy).ok_or_else(bad)?,
            limit: number_of(limit)?,
            window_secs: number_of(window)?,
            remaining: number_of(remaining)?,
            reset_secs: number_of(reset)?,
        })),
        _ => Err(bad()),
    }
}

/// `{'risky', retry, action, reason, tripped calling code, tripped network}`.
pub(super) fn hit_of(items: &[Reply], retry_after_secs: u32) -> Result<CounterHit, BackendError> {
    let bad = || unexpected(&Reply::Array(items.to_vec()));
    let [_, _, Reply::String(action), Reply::String(reason), cc, asn] = items else {
        return Err(bad());
    };
    let action = match action.as_str() {
        "challenge" => Action::Challenge,
        "refuse" => Action::Refuse,
        _ => return Err(bad()),
    };
    let reason = match reason.as_str() {
        "calling_code_breaker" => RiskReason::CallingCodeBreaker,
        "asn_breaker" => RiskReason::AsnBreaker,
        "asn_volume" => RiskReason::AsnVolume,
        _ => return Err(bad()),
    };
    Ok(CounterHit {
        action,
        reason,
        retry_after_secs,
        tripped_calling_code: number_of(cc)? == 1,
        tripped_asn: number_of(asn)? == 1,
    })
}

pub(super) fn action_name(action: Action) -> &'static str {
    match action {
        Action::Allow => "allow",
        Action::Challenge => "challenge",
        Action::Refuse => "refuse",
    }
}

pub(super) fn flag(on: bool) -> String {
    if on { "1" } else { "0" }.to_owned()
}

pub(super) fn limit_of(outcome: &str) -> Result<Limit, BackendError> {
    Ok(match outcome {
        "locked" => Limit::Locked,
        "cooldown" => Limit::Cooldown,
        "window" => Limit::PhoneWindow,
        "day" => Limit::PhoneDaily,
        "ip" => Limit::ClientIp,
        "guesses" => Limit::PhoneGuesses,
        "country" => Limit::CountryBudget,
        "global" => Limit::GlobalBudget,
        other => {
            return Err(BackendError::Failed(format!(
                "unknown script outcome {other:?}"
            )))
        }
    })
}

/// Redis being unreachable is a 503; anything else it says is a failure of ours.
pub(crate) fn backend(err: RedisError) -> BackendError {
    match err {
        RedisError::Unavailable(why) => BackendError::Unavailable(why),
        other => BackendError::Failed(other.to_string()),
    }
}
