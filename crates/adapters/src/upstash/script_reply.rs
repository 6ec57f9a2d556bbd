//! The OTP scripts' replies read into the store's outcomes: `{outcome, number}`, as
//! `scripts/*.lua` document them (a send's steps' replies are read in
//! `otp_store/send/verdict.rs`).

use super::{RedisError, Reply};
use auth_core::ports::{BackendError, Limit};

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
