//! `GET /health`, `GET /live` (the isolate answers) and `GET /ready` (the backends answer).
//! Natively `/health` and `/live` probe nothing; under otp-auth-v1 they answer in the Go
//! service's bodies (`auth_core::http::api_profile::health`), `/health` with the backends' state.

use crate::config::AuthConfig;
use crate::context::Ctx;
use crate::outcome::{log_error, Handled, Outcome};
use crate::platform::WorkerClock;
use crate::probes::Throttled;
use auth_core::http::api_profile::health::{self, Check, Facts};
use auth_core::http::api_profile::ApiProfile;
use auth_core::http::error::{ErrorBody, ErrorCode};
use auth_core::ports::Clock;
use auth_core::usecases::readiness::{self, check_readiness, ReadinessReport};
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
fn api_profile(ctx: &Ctx) -> ApiProfile {
    AuthConfig::api_profile(&ctx.env)
}

/// Every region's backends, probed at once: the report of them all, and with data regions each
/// region's own (by name).
async fn backends(ctx: &Ctx) -> Result<(ReadinessReport, Vec<(String, ReadinessReport)>), Outcome> {
    let config = ctx.config()?;
    let config = &*config;
    let probes = config
        .regions
        .ids()
        .map(|region| {
            let redis = ctx.redis_in(region)?;
            Ok(async move {
                let postgres = Throttled::postgres(&ctx.env, config, region);
                let report = check_readiness(&postgres, &Throttled::redis(redis, region)).await;
                (config.regions.name(region).map(str::to_owned), report)
            })
        })
        .collect::<Result<Vec<_>, Outcome>>()?;
    let mut reports = futures::future::join_all(probes).await;
    if let [(None, _)] = reports.as_slice() {
        return Ok((reports.remove(0).1, Vec::new()));
    }
    let named: Vec<(String, ReadinessReport)> = reports
        .into_iter()
        .map(|(name, report)| (name.unwrap_or_default(), report))
        .collect();
    let all = readiness::combined(named.iter().map(|(name, r)| (name.as_str(), r)));
    Ok((all, named))
}

/// `{"eu": {"postgres": "ok", "redis": "ok"}, ...}`: each region's checks.
fn regions_json(regions: &[(String, ReadinessReport)]) -> serde_json::Value {
    regions
        .iter()
        .map(|(name, report)| (name.clone(), json!(report.checks)))
        .collect::<serde_json::Map<_, _>>()
        .into()
}

pub fn live(ctx: &Ctx) -> Handled {
    match api_profile(ctx) {
        ApiProfile::Native => Outcome::json(200, &json!({"status": "ok"})),
        ApiProfile::OtpAuthV1 => go_body(Check::Live, None),
    }
}

pub async fn health(ctx: &Ctx) -> Handled {
    match api_profile(ctx) {
        ApiProfile::Native => Outcome::json(200, &json!({"status": "ok"})),
        ApiProfile::OtpAuthV1 => go_body(Check::Health, Some(&backends(ctx).await?.0)),
    }
}

pub async fn ready(ctx: &Ctx) -> Handled {
    let (report, regions) = backends(ctx).await?;
    if !report.is_ready() {
        let reasons: Vec<String> = report
            .failures
            .iter()
            .map(|(name, why)| format!("{name}: {why}"))
            .collect();
        log_error("not ready", &reasons.join("; "));
    }
    if api_profile(ctx) == ApiProfile::OtpAuthV1 {
        return go_body(Check::Ready, Some(&report));
    }
    if report.is_ready() {
        let mut body = json!({"status": "ready", "checks": report.checks});
        if !regions.is_empty() {
            body["regions"] = regions_json(&regions);
        }
        return Outcome::json(200, &body);
    }
    let failed = report.failed_names();
    let body = ErrorBody::new(
        ErrorCode::ServiceUnavailable,
        format!("not ready: {failed} unavailable"),
    )
    .with_details(failed.clone());
    let mut value = serde_json::to_value(&body).map_err(worker::Error::from)?;
    value["checks"] = serde_json::to_value(&report.checks).map_err(worker::Error::from)?;
    if !regions.is_empty() {
        value["regions"] = regions_json(&regions);
    }
    let mut outcome = Outcome::json(503, &value)?;
    outcome.code = Some(ErrorCode::ServiceUnavailable);
    Ok(outcome)
}
