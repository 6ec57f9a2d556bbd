//! `GET /health`, `GET /live` (the isolate answers) and `GET /ready` (the backends answer).
//! Natively `/health` and `/live` probe nothing; under otp-auth-v1 they answer in the Go
//! service's bodies (`auth_core::profile::health`), `/health` with the backends' state.

use crate::config::OtpConfig;
use crate::context::Ctx;
use crate::outcome::{log_error, Handled, Outcome};
use crate::platform::WorkerClock;
use crate::probes::Throttled;
use auth_core::error::{ErrorBody, ErrorCode};
use auth_core::ports::Clock;
use auth_core::profile::health::{self, Check, Facts};
use auth_core::profile::ApiProfile;
use auth_core::readiness::{check_readiness, ReadinessReport};
use serde_json::json;
use std::cell::Cell;

thread_local! {
    /// When this isolate answered its first check (ms since the epoch): the Go bodies' uptime.
    static STARTED_MS: Cell<Option<f64>> = const { Cell::new(None) };
}

fn uptime_ms() -> u64 {
    let now = js_sys::Date::now();
    let started = STARTED_MS.with(|s| {
        let started = s.get().unwrap_or(now);
        s.set(Some(started));
        started
    });
    (now - started).max(0.0) as u64
}

/// The Go body of `check`, with the backends' report where it has one.
fn go_body(check: Check, report: Option<&ReadinessReport>) -> Handled {
    let facts = Facts {
        now: WorkerClock.now(),
        uptime_ms: uptime_ms(),
        version: env!("CARGO_PKG_VERSION"),
    };
    let (status, body) = health::body(check, facts, report);
    let mut outcome = Outcome::json(status, &body)?;
    if status == 503 {
        outcome.code = Some(ErrorCode::ServiceUnavailable);
    }
    Ok(outcome)
}

/// The profile: a liveness or readiness check must answer even when the OTP settings are
/// unusable, so it is read leniently.
fn profile(ctx: &Ctx) -> ApiProfile {
    OtpConfig::profile(&ctx.env)
}

async fn backends(ctx: &Ctx) -> Result<ReadinessReport, Outcome> {
    let config = ctx.config()?;
    Ok(check_readiness(
        &Throttled::postgres(&ctx.env, &config),
        &Throttled::redis(ctx.redis()?),
    )
    .await)
}

pub fn live(ctx: &Ctx) -> Handled {
    match profile(ctx) {
        ApiProfile::Native => Outcome::json(200, &json!({"status": "ok"})),
        ApiProfile::OtpAuthV1 => go_body(Check::Live, None),
    }
}

pub async fn health(ctx: &Ctx) -> Handled {
    match profile(ctx) {
        ApiProfile::Native => Outcome::json(200, &json!({"status": "ok"})),
        ApiProfile::OtpAuthV1 => go_body(Check::Health, Some(&backends(ctx).await?)),
    }
}

pub async fn ready(ctx: &Ctx) -> Handled {
    let report = backends(ctx).await?;
    if !report.is_ready() {
        let reasons: Vec<String> = report
            .failures
            .iter()
            .map(|(name, why)| format!("{name}: {why}"))
            .collect();
        log_error("not ready", &reasons.join("; "));
    }
    if profile(ctx) == ApiProfile::OtpAuthV1 {
        return go_body(Check::Ready, Some(&report));
    }
    if report.is_ready() {
        return Outcome::json(200, &json!({"status": "ready", "checks": report.checks}));
    }
    let failed = report.failed_names();
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
