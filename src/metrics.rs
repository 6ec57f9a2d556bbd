//! Metrics across every isolate: each answered request adds its increments to its isolate's
//! batch, which one pipeline of hash increments writes to Redis shortly after the response
//! (`ctx.wait_until`), so counting never delays an answer. `GET /metrics`
//! renders the hash in the Prometheus text format, behind the `METRICS_TOKEN` bearer.
//!
//! Handlers pass what the counters need through internal response headers ([`CODE_HEADER`],
//! [`EVENT_HEADER`]), which [`take_markers`] strips before the response leaves.

use crate::config::Config;
use crate::http;
use auth_adapters::upstash::UpstashRedis;
use auth_core::error::ErrorCode;
use auth_core::metrics::{increments, render, Answered};
use std::cell::RefCell;
use std::collections::BTreeMap;
use std::time::Duration;
use worker::{Context, Delay, Env, Request, Response, Result};

/// Internal header carrying an error answer's contract code.
pub const CODE_HEADER: &str = "x-internal-code";
/// Internal header carrying a domain detail (`new_user` / `returning_user` on a login).
pub const EVENT_HEADER: &str = "x-internal-event";

/// The markers a handler left on a response, removed from it.
pub struct Markers {
    pub code: Option<String>,
    pub event: Option<String>,
}

pub fn take_markers(response: &mut Response) -> Markers {
    let headers = response.headers_mut();
    let take = |name: &str| {
        let value = headers.get(name).ok().flatten();
        let _ = headers.delete(name);
        value
    };
    Markers {
        code: take(CODE_HEADER),
        event: take(EVENT_HEADER),
    }
}

fn hash_key(config: &Config) -> String {
    // One hash tag: the whole hash lives in one Redis Cluster slot.
    format!("{}metrics:{{all}}", config.redis_key_prefix)
}

thread_local! {
    /// Increments of this isolate not yet written, summed per field. `Some` while a flush is
    /// scheduled: the requests that answer meanwhile add to it instead of writing their own.
    static PENDING: RefCell<Option<BTreeMap<String, i64>>> = const { RefCell::new(None) };
}

/// How long increments gather before one pipeline writes them. Under load one write carries
/// the counts of many requests (a write per request cost more CPU than most handlers); idle, a
/// count reaches Redis this long after its response.
const BATCH_WINDOW: Duration = Duration::from_millis(100);

/// Adds the increments of one answered request to this isolate's batch, and schedules the
/// batch's write after the response (`ctx.wait_until`) when none is scheduled yet.
pub fn record(ctx: &Context, env: &Env, answered: &Answered<'_>) {
    let Ok(config) = Config::from_env(env) else {
        return;
    };
    let already_scheduled = PENDING.with(|pending| {
        let mut pending = pending.borrow_mut();
        let scheduled = pending.is_some();
        let batch = pending.get_or_insert_with(BTreeMap::new);
        for (field, by) in increments(answered) {
            *batch.entry(field).or_default() += by;
        }
        scheduled
    });
    if already_scheduled {
        return;
    }
    let key = hash_key(&config);
    let redis = UpstashRedis::new(&config.redis_rest_url, &config.redis_rest_token);
    ctx.wait_until(async move {
        Delay::from(BATCH_WINDOW).await;
        let batch = PENDING
            .with(|pending| pending.borrow_mut().take())
            .unwrap_or_default();
        let commands: Vec<Vec<String>> = batch
            .into_iter()
            .map(|(field, by)| vec!["HINCRBY".to_owned(), key.clone(), field, by.to_string()])
            .collect();
        // Losing a few increments while Redis is down is better than failing requests.
        if let Err(e) = redis.pipeline(&commands).await {
            http::log_error("metrics write failed", &e);
        }
    });
}

/// `GET /metrics`.
pub async fn scrape_route(req: Request, env: &Env) -> Result<Response> {
    let expected = env
        .secret("METRICS_TOKEN")
        .or_else(|_| env.var("METRICS_TOKEN"))
        .map(|v| v.to_string());
    let Ok(expected) = expected else {
        return http::error_code(
            ErrorCode::NotFound,
            "metrics are not enabled (set METRICS_TOKEN)",
        );
    };
    let presented = crate::request::header(&req, "authorization")
        .and_then(|h| h.strip_prefix("Bearer ").map(str::to_owned))
        .unwrap_or_default();
    let equal = presented.len() == expected.len()
        && presented
            .bytes()
            .zip(expected.bytes())
            .fold(0u8, |acc, (a, b)| acc | (a ^ b))
            == 0;
    if expected.is_empty() || !equal {
        return http::error_code(ErrorCode::Unauthorized, "a valid metrics token is required");
    }
    let config = match Config::from_env(env) {
        Ok(config) => config,
        Err(problem) => return Ok(http::misconfigured(&problem)),
    };
    let redis = UpstashRedis::new(&config.redis_rest_url, &config.redis_rest_token);
    let reply = match redis.command(&["HGETALL", &hash_key(&config)]).await {
        Ok(reply) => reply,
        Err(e) => return http::unavailable("metrics read failed", &e),
    };
    // HGETALL answers [field, value, field, value, ...].
    let flat = reply.as_array().cloned().unwrap_or_default();
    let fields: Vec<(String, i64)> = flat
        .chunks(2)
        .filter_map(|pair| match pair {
            [f, v] => Some((f.as_str()?.to_owned(), v.as_str()?.parse().ok()?)),
            _ => None,
        })
        .collect();
    let response = Response::ok(render(&fields))?;
    http::with_content_type(response, "text/plain; version=0.0.4; charset=utf-8")
}
