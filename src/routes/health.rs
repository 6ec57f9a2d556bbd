//! `GET /health`, `GET /live` (the isolate answers) and `GET /ready` (the backends answer).

use crate::config::Config;
use crate::http;
use crate::probes::{PostgresProbe, RedisProbe};
use auth_adapters::upstash::UpstashRedis;
use auth_core::error::{ErrorBody, ErrorCode};
use auth_core::readiness::check_readiness;
use serde_json::json;
use worker::{console_error, Env, Response, Result};

pub fn live() -> Result<Response> {
    http::json(200, &json!({"status": "ok"}))
}

pub async fn ready(env: &Env) -> Result<Response> {
    let config = match Config::from_env(env) {
        Ok(config) => config,
        Err(problem) => return Ok(http::misconfigured(&problem)),
    };
    let redis = UpstashRedis::new(&config.redis_rest_url, &config.redis_rest_token);
    let report = check_readiness(
        &PostgresProbe {
            env,
            config: &config,
        },
        &RedisProbe { redis: &redis },
    )
    .await;
    if report.is_ready() {
        return http::json(200, &json!({"status": "ready", "checks": report.checks}));
    }
    let failed = report.failed_names();
    let reasons: Vec<String> = report
        .failures
        .iter()
        .map(|(name, why)| format!("{name}: {why}"))
        .collect();
    console_error!(
        "{}",
        json!({"level": "error", "msg": "not ready", "failures": reasons})
    );
    let body = ErrorBody::new(
        ErrorCode::ServiceUnavailable,
        format!("not ready: {failed} unavailable"),
    )
    .with_details(failed.clone());
    let mut value = serde_json::to_value(&body)?;
    value["checks"] = serde_json::to_value(&report.checks)?;
    http::json(503, &value)
}
