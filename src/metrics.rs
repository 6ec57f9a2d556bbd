//! Metrics across every isolate: each answered request adds its counts (`auth_core::http::metrics`)
//! to its isolate's batch, which one pipeline of hash increments writes to Redis shortly after
//! the response (`ctx.wait_until`), so counting never delays an answer. The hash and its
//! Prometheus text are `auth_adapters::metrics`; `GET /metrics` is `routes/documents.rs`.

use crate::config::Config;
use crate::outcome::log_error;
use auth_adapters::metrics::{hash_key, Batch};
use auth_core::http::metrics::{counts, Answered};
use std::cell::RefCell;
use std::time::Duration;
use worker::{Context, Delay, Env};

thread_local! {
    /// Increments of this isolate not yet written. `Some` while a flush is scheduled: the
    /// requests that answer meanwhile add to it instead of writing their own.
    static PENDING: RefCell<Option<Batch>> = const { RefCell::new(None) };
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
    let redis = config.redis();
    ctx.wait_until(async move {
        Delay::from(BATCH_WINDOW).await;
        let batch = PENDING
            .with(|pending| pending.borrow_mut().take())
            .unwrap_or_default();
        // Losing a few increments while Redis is down is better than failing requests.
        if let Err(e) = batch.write(&redis, &key).await {
            log_error("metrics write failed", &e);
        }
    });
}
