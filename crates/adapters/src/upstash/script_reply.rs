//! The OTP scripts' replies read into the store's outcomes: `{outcome, number}`, then the
//! caller's quota, as `scripts/*.lua` document them (a shared scope's reply is read in
//! `otp_store/send.rs`).

use super::{RedisError, Reply};
use auth_core::ports::{BackendError, Limit};
use auth_core::quota::{Quota, QuotaPolicy};
use auth_core::risk::Action;

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
