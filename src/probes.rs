//! The backend probes behind `GET /ready`: one real round trip each, bounded in time.

use crate::config::Config;
use crate::postgres;
use auth_adapters::pg::PgStore;
use auth_adapters::upstash::UpstashRedis;
use auth_core::ports::BackendProbe;
use futures::future::{select, Either};
use std::time::Duration;
use worker::{Delay, Env};

/// How long a probe may take before the backend counts as down.
pub const PROBE_TIMEOUT: Duration = Duration::from_secs(2);

/// Postgres through the Hyperdrive binding: connect, check the schema is migrated, close.
pub struct PostgresProbe<'a> {
    pub env: &'a Env,
    pub config: &'a Config,
}

impl BackendProbe for PostgresProbe<'_> {
    fn name(&self) -> &'static str {
        "postgres"
    }

    async fn probe(&self) -> Result<(), String> {
        let pinged = postgres::with_client(self.env, self.config, PROBE_TIMEOUT, async |client| {
            PgStore::new(client).ping().await
        })
        .await;
        match pinged {
            Ok(Ok(_version)) => Ok(()),
            Ok(Err(e)) => Err(e.to_string()),
            Err(e) => Err(e.to_string()),
        }
    }
}

/// Redis through the REST gateway (or Upstash): one PING.
pub struct RedisProbe<'a> {
    pub redis: &'a UpstashRedis,
}

impl BackendProbe for RedisProbe<'_> {
    fn name(&self) -> &'static str {
        "redis"
    }

    async fn probe(&self) -> Result<(), String> {
        match select(Box::pin(self.redis.ping()), Delay::from(PROBE_TIMEOUT)).await {
            Either::Left((result, _)) => result.map_err(|e| e.to_string()),
            Either::Right(_) => Err("timed out".to_owned()),
        }
    }
}
