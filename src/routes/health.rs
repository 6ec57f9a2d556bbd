//! `GET /health`, `GET /live` (the isolate answers) and `GET /ready` (the backends answer).

use crate::context::Ctx;
use crate::outcome::{log_error, Handled, Outcome};
use crate::probes::Throttled;
use auth_core::error::{ErrorBody, ErrorCode};
use auth_core::readiness::check_readiness;
use serde_json::json;

pub fn live() -> Handled {
    Outcome::json(200, &json!({"status": "ok"}))
}

pub async fn ready(ctx: &Ctx) -> Handled {
    let config = ctx.config()?;
    let report = check_readiness(
        &Throttled::postgres(&ctx.env, &config),
        &Throttled::redis(ctx.redis()?),
    )
    .await;
    if report.is_ready() {
        return Outcome::json(200, &json!({"status": "ready", "checks": report.checks}));
    }
    let failed = report.failed_names();
    let reasons: Vec<String> = report
        .failures
        .iter()
        .map(|(name, why)| format!("{name}: {why}"))
        .collect();
    log_error("not ready", &reasons.join("; "));
    let body = ErrorBody::new(
        ErrorCode::ServiceUnavailable,
        format!("not ready: {failed} unavailable"),
    )
    .with_details(failed.clone());
    let mut value = serde_json::to_value(&body).map_err(worker::Error::from)?;
    value["checks"] = serde_json::to_value(&report.checks).map_err(worker::Error::from)?;
    let mut outcome = Outcome::json(503, &value)?;
    outcome.code = Some(ErrorCode::ServiceUnavailable);
    Ok(outcome)
}
