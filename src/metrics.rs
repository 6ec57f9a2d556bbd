//! Metrics across every isolate: each answered request adds its counts (`auth_core::http::metrics`)
//! to its isolate's batch, which one pipeline of hash increments writes to Redis shortly after
//! the response (`ctx.wait_until`), so counting never delays an answer. The hash and its
//! Prometheus text are `auth_adapters::metrics`; `GET /metrics` is `routes/documents.rs`.

use crate::config::Config;
use crate::outcome::log_error;
use auth_adapters::metrics::{hash_key, Batch};
use auth_adapters::upstash::UpstashRedis;
use auth_core::domain::regions::RegionId;
use auth_core::http::metrics::{counts, Answered};
use std::cell::RefCell;
use std::collections::BTreeMap;
use std::time::Duration;
use worker::{Context, Delay, Env};

thread_local! {
    /// Increments of this isolate not yet written. `Some` while a flush is scheduled: the
    /// requests that answer meanwhile add to it instead of writing their own.
    static PENDING: RefCell<Option<Batch>> = const { RefCell::new(None) };
    /// Other writes that wait for the same flush, by region index: a verified login's count
    /// in the risk records (`UpstashOtpStore::with_later`). The request that adds them answers
    /// before `record` runs for it, and `record` always schedules a flush or finds one not yet
    /// taken, so none is left behind.
    static LATER: RefCell<BTreeMap<usize, Vec<Vec<String>>>> = const { RefCell::new(BTreeMap::new()) };
}

/// Where a region's OTP store puts the writes that may wait until after the answer: this
/// isolate's next flush, in the same pipeline as the metrics when the region is the default.
pub fn later_in(region: RegionId) -> impl Fn(Vec<Vec<String>>) {
    move |commands| {
        LATER.with(|later| {
            later
                .borrow_mut()
                .entry(region.0)
                .or_default()
                .extend(commands)
        })
    }
}

/// How long increments gather before one pipeline writes them. Under load one write carries
/// the counts of many requests (a write per request cost more CPU than most handlers); idle, a
/// count reaches Redis this long after its response.
const BATCH_WINDOW: Duration = Duration::from_millis(100);

/// Adds the increments of one answered request to this isolate's batch, and schedules the
/// batch's write after the response (`ctx.wait_until`) when none is scheduled yet.
pub fn record(ctx: &Context, env: &Env, answered: &Answered) {
    let Ok(config) = Config::from_env(env) else {
        return;
    };
    let already_scheduled = PENDING.with(|pending| {
        let mut pending = pending.borrow_mut();
        let scheduled = pending.is_some();
        pending
            .get_or_insert_with(Batch::default)
            .add(&counts(answered));
        scheduled
    });
    if already_scheduled {
        return;
    }
    let key = hash_key(&config.redis_key_prefix);
    let default = config.regions.default_region();
    let redis: Vec<(RegionId, UpstashRedis)> = config
        .regions
        .ids()
        .map(|region| (region, config.redis_in(region)))
        .collect();
    ctx.wait_until(async move {
        Delay::from(BATCH_WINDOW).await;
        let mut batch = PENDING.with(|pending| pending.borrow_mut().take());
        let mut later = LATER.with(|later| std::mem::take(&mut *later.borrow_mut()));
        // One pipeline per region: the default's carries the metrics too. Losing a few writes
        // while Redis is down is better than failing requests.
        for (region, redis) in &redis {
            let commands = later.remove(&region.0).unwrap_or_default();
            let written = match *region == default {
                true => {
                    let batch = batch.take().unwrap_or_default();
                    batch.write_with(redis, &key, commands).await
                }
                false if commands.is_empty() => Ok(()),
                false => redis.pipeline(&commands).await.map(drop),
            };
            if let Err(e) = written {
                log_error("after-answer write failed", &e);
            }
        }
    });
}
