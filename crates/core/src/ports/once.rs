//! Keys taken once: the `jti` of a DPoP proof (`crate::domain::dpop::replay_key`).

use super::BackendError;
use std::future::Future;

/// A set of keys, each taken at most once while it is remembered. Implementations MUST:
/// - answer `Ok(true)` to the first `claim` of a key and `Ok(false)` to every later one while
///   it is remembered, including claims that race the first (one atomic step: Redis'
///   `SET key 1 NX EX ttl`);
/// - remember a taken key for `ttl_secs` at least;
/// - answer `Err(BackendError::Unavailable)` when the store cannot be asked, never `Ok(true)`:
///   a caller must not accept what it could not take.
pub trait OnceStore {
    fn claim(&self, key: &str, ttl_secs: u32) -> impl Future<Output = Result<bool, BackendError>>;
}
