//! A small pool of multiplexed Redis connections.
//!
//! Each slot holds one `ConnectionManager`: a multiplexed connection that many requests share at
//! once and that reconnects by itself after Redis restarts. Slots connect lazily, so the gateway
//! starts (and answers 503) while Redis is down, and a slot whose first connect failed tries again
//! on the next request that lands on it.

use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;
use tokio::sync::OnceCell;

pub struct RedisPool {
    client: redis::Client,
    config: ConnectionManagerConfig,
    slots: Vec<OnceCell<ConnectionManager>>,
    next: AtomicUsize,
}

impl RedisPool {
    pub fn new(
        redis_url: &str,
        size: usize,
        connect_timeout: Duration,
        response_timeout: Duration,
    ) -> redis::RedisResult<Self> {
        let client = redis::Client::open(redis_url)?;
        // One quick retry: a request during an outage should fail fast with 503, not wait out a
        // long backoff. The manager keeps reconnecting on later requests.
        let config = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(connect_timeout))
            .set_response_timeout(Some(response_timeout))
            .set_number_of_retries(1)
            .set_min_delay(Duration::from_millis(50))
            .set_max_delay(Duration::from_millis(200));
        Ok(Self {
            client,
            config,
            slots: (0..size).map(|_| OnceCell::new()).collect(),
            next: AtomicUsize::new(0),
        })
    }

    /// A connection of its own, outside the pool (to kill a script the pool's connection waits
    /// for).
    pub async fn fresh_connection(&self) -> redis::RedisResult<redis::aio::MultiplexedConnection> {
        self.client.get_multiplexed_async_connection().await
    }

    /// A connection handle, round robin over the slots. Cloning a manager is cheap: clones share
    /// the one multiplexed connection.
    pub async fn get(&self) -> redis::RedisResult<ConnectionManager> {
        let slot = &self.slots[self.next.fetch_add(1, Ordering::Relaxed) % self.slots.len()];
        let manager = slot
            .get_or_try_init(|| {
                ConnectionManager::new_with_config(self.client.clone(), self.config.clone())
            })
            .await?;
        Ok(manager.clone())
    }
}
