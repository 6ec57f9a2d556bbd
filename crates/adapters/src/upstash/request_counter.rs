//! One request counted in a fixed window (the otp-auth-v1 profile's request limit): `INCR` the
//! window's key and give it the window's lifetime the first time (`EXPIRE ... NX`, so later
//! requests never extend it), in one pipeline: one round trip.

use super::{RedisError, UpstashRedis};

/// Counts one request under `key`, which lives `window_secs`; returns the count so far.
pub async fn count_request(
    redis: &UpstashRedis,
    key: &str,
    window_secs: u32,
) -> Result<u64, RedisError> {
    let window = window_secs.to_string();
    let replies = redis
        .pipeline(&[
            vec!["INCR", key],
            vec!["EXPIRE", key, window.as_str(), "NX"],
        ])
        .await?;
    match replies.into_iter().next() {
        Some(Ok(count)) => count
            .as_u64()
            .ok_or_else(|| RedisError::Command(format!("INCR answered {count}"))),
        Some(Err(error)) => Err(error),
        None => Err(RedisError::Command("the pipeline answered nothing".into())),
    }
}
