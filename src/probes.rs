//! The backend probes behind `GET /ready`: one real round trip each, bounded in time, and at
//! most one per backend per second in an isolate (`Throttled`), so calling `/ready` cannot
//! multiply load on the database or the paid Redis. Each data region's backends have throttles
//! of their own.

use crate::config::Config;
use crate::postgres;
use auth_adapters::pg::PgStore;
use auth_adapters::upstash::UpstashRedis;
use auth_core::domain::regions::{RegionId, MAX_REGIONS};
use auth_core::ports::BackendProbe;
use auth_core::usecases::readiness::throttle::{ProbeThrottle, Turn};
use futures::future::{select, Either};
use std::thread::LocalKey;
use std::time::Duration;
use worker::{Delay, Env};

/// How long a probe may take before the backend counts as down.
pub const PROBE_TIMEOUT: Duration = Duration::from_secs(2);

/// The shortest time between two probes of one backend in an isolate.
const PROBE_INTERVAL_MS: u64 = 1_000;
/// How often a caller checks whether the probe another request runs has finished.
const WAIT_STEP: Duration = Duration::from_millis(20);

type Throttle = ProbeThrottle<Result<(), String>>;

/// One throttle per region (`RegionId` indexes them).
type Throttles = [Throttle; MAX_REGIONS];

const fn throttles() -> Throttles {
    [const { ProbeThrottle::new(PROBE_INTERVAL_MS, 2_000 + PROBE_TIMEOUT_MS) }; MAX_REGIONS]
}

thread_local! {
    static POSTGRES: Throttles = const { throttles() };
    static REDIS: Throttles = const { throttles() };
}

const PROBE_TIMEOUT_MS: u64 = PROBE_TIMEOUT.as_millis() as u64;

/// A probe behind its backend's throttle: the result of a probe begun less than a second ago,
/// or (after waiting for one another request is running) a probe of its own.
pub struct Throttled<P> {
    probe: P,
    slot: &'static LocalKey<Throttles>,
    region: RegionId,
}

impl<'a> Throttled<PostgresProbe<'a>> {
    pub fn postgres(env: &'a Env, config: &'a Config, region: RegionId) -> Self {
        Self {
            probe: PostgresProbe {
                env,
                config,
                region,
            },
            slot: &POSTGRES,
            region,
        }
    }
}

impl<'a> Throttled<RedisProbe<'a>> {
    pub fn redis(redis: &'a UpstashRedis, region: RegionId) -> Self {
        Self {
            probe: RedisProbe { redis },
            slot: &REDIS,
            region,
        }
    }
}

impl<P: BackendProbe> BackendProbe for Throttled<P> {
    fn name(&self) -> &'static str {
        self.probe.name()
    }

    async fn probe(&self) -> Result<(), String> {
        loop {
            let now = worker::Date::now().as_millis();
            match self.slot.with(|t| t[self.region.0].turn(now)) {
                Turn::Reuse(result) => return result,
                Turn::Wait => Delay::from(WAIT_STEP).await,
                Turn::Probe { started_ms } => {
                    let result = self.probe.probe().await;
                    self.slot
                        .with(|t| t[self.region.0].finish(started_ms, result.clone()));
                    return result;
                }
            }
        }
    }
}

/// Postgres through the Hyperdrive binding: connect, check the schema is migrated, close.
pub struct PostgresProbe<'a> {
    pub env: &'a Env,
    pub config: &'a Config,
    pub region: RegionId,
}

impl BackendProbe for PostgresProbe<'_> {
    fn name(&self) -> &'static str {
        "postgres"
    }

    async fn probe(&self) -> Result<(), String> {
        let (env, config, region) = (self.env, self.config, self.region);
        let pinged = postgres::with_client(env, config, region, PROBE_TIMEOUT, async |client| {
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
