//! Keys taken once (`auth_core::ports::OnceStore`) in Redis: one `SET key 1 NX EX ttl`, which
//! Redis runs atomically, so of any number of racing claims exactly one is answered `OK`.

use super::script_reply::backend;
use super::{RedisError, Reply, UpstashRedis};
use auth_core::ports::{BackendError, OnceStore};

/// The once-store of one Redis, its keys under the deployment's key prefix.
pub struct UpstashOnce<'r> {
    redis: &'r UpstashRedis,
    prefix: String,
}

impl<'r> UpstashOnce<'r> {
    pub fn new(redis: &'r UpstashRedis, prefix: String) -> Self {
        Self { redis, prefix }
    }
}

impl OnceStore for UpstashOnce<'_> {
    async fn claim(&self, key: &str, ttl_secs: u32) -> Result<bool, BackendError> {
        let key = format!("{}{key}", self.prefix);
        let ttl = ttl_secs.max(1).to_string();
        let reply = self
            .redis
            .command(&["SET", key.as_str(), "1", "NX", "EX", ttl.as_str()])
            .await
            .map_err(backend)?;
        match reply {
            Reply::String(ok) if ok == "OK" => Ok(true),
            Reply::Null => Ok(false),
            other => Err(backend(RedisError::Command(format!(
                "SET NX answered {other}"
            )))),
        }
    }
}
