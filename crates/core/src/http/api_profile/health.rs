//! The Go service's health bodies (otp-auth-v1), with real checks where it had constants:
//! `{"status", "timestamp", "uptime", "version", "services"}`. `/live` says `alive` with no
//! services; `/health` says `healthy` (or `unhealthy` when a backend is down, still a 200: the
//! process answers); `/ready` says `ready`, or `not_ready` with a 503, naming each backend
//! (`database`, `redis`) `ready` or `not_ready`.

use crate::domain::time::rfc3339;
use crate::usecases::readiness::{BackendState, ReadinessReport};
use serde_json::{json, Map, Value};

/// Which of the three checks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Check {
    Live,
    Health,
    Ready,
}

/// What every body tells besides the checks.
#[derive(Debug, Clone, Copy)]
pub struct Facts<'a> {
    /// Unix seconds.
    pub now: i64,
    /// How long this isolate has served, in milliseconds.
    pub uptime_ms: u64,
    pub version: &'a str,
}

/// The status and body of a check; `report` is the backends' state (`None` for `/live`).
pub fn body(check: Check, facts: Facts<'_>, report: Option<&ReadinessReport>) -> (u16, Value) {
    let up = report.is_none_or(ReadinessReport::is_ready);
    let (status, word, (good, bad)) = match check {
        Check::Live => (200, "alive", ("", "")),
        Check::Health if up => (200, "healthy", ("healthy", "unhealthy")),
        Check::Health => (200, "unhealthy", ("healthy", "unhealthy")),
        Check::Ready if up => (200, "ready", ("ready", "not_ready")),
        Check::Ready => (503, "not_ready", ("ready", "not_ready")),
    };
    let mut services = Map::new();
    if check != Check::Live {
        for (name, state) in report.map(|r| &r.checks).into_iter().flatten() {
            // The Go service called Postgres "database".
            let name = if *name == "postgres" {
                "database"
            } else {
                name
            };
            let value = if *state == BackendState::Ok {
                good
            } else {
                bad
            };
            services.insert(name.to_owned(), Value::from(value));
        }
    }
    let body = json!({
        "status": word,
        "timestamp": rfc3339(facts.now),
        "uptime": go_duration(facts.uptime_ms),
        "version": facts.version,
        "services": services,
    });
    (status, body)
}

/// A duration as Go's `time.Duration.String` writes it, to the millisecond: `0s`, `250ms`,
/// `1.5s`, `10m0s`, `2h3m4.005s`.
pub fn go_duration(ms: u64) -> String {
    if ms == 0 {
        return "0s".to_owned();
    }
    if ms < 1000 {
        return format!("{ms}ms");
    }
    let (hours, minutes) = (ms / 3_600_000, ms / 60_000 % 60);
    let (secs, millis) = (ms / 1000 % 60, ms % 1000);
    let seconds = if millis == 0 {
        format!("{secs}s")
    } else {
        let fraction = format!("{millis:03}");
        format!("{secs}.{}s", fraction.trim_end_matches('0'))
    };
    match (hours, minutes) {
        (0, 0) => seconds,
        (0, m) => format!("{m}m{seconds}"),
        (h, m) => format!("{h}h{m}m{seconds}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    fn report(postgres: BackendState, redis: BackendState) -> ReadinessReport {
        let mut failures = BTreeMap::new();
        for (name, state) in [("postgres", &postgres), ("redis", &redis)] {
            if *state == BackendState::Down {
                failures.insert(name, "refused".to_owned());
            }
        }
        ReadinessReport {
            checks: BTreeMap::from([("postgres", postgres), ("redis", redis)]),
            failures,
        }
    }

    const FACTS: Facts<'static> = Facts {
        now: 1_700_000_000,
        uptime_ms: 61_500,
        version: "0.1.0",
    };

    #[test]
    fn durations_read_as_go_writes_them() {
        for (ms, text) in [
            (0, "0s"),
            (250, "250ms"),
            (1_000, "1s"),
            (1_500, "1.5s"),
            (600_000, "10m0s"),
            (7_384_005, "2h3m4.005s"),
            (3_600_000, "1h0m0s"),
        ] {
            assert_eq!(go_duration(ms), text, "{ms}");
        }
    }

    #[test]
    fn the_bodies_name_each_backend_as_the_go_service_did() {
        let ok = report(BackendState::Ok, BackendState::Ok);
        let (status, ready) = body(Check::Ready, FACTS, Some(&ok));
        assert_eq!(status, 200);
        assert_eq!(ready["status"], "ready");
        assert_eq!(
            ready["services"],
            json!({"database": "ready", "redis": "ready"})
        );
        assert_eq!(ready["uptime"], "1m1.5s");
        assert_eq!(ready["timestamp"], "2023-11-14T22:13:20Z");

        let down = report(BackendState::Down, BackendState::Ok);
        let (status, not_ready) = body(Check::Ready, FACTS, Some(&down));
        assert_eq!(status, 503);
        assert_eq!(not_ready["status"], "not_ready");
        assert_eq!(not_ready["services"]["database"], "not_ready");
        let (status, health) = body(Check::Health, FACTS, Some(&down));
        assert_eq!(
            (status, health["status"].clone()),
            (200, json!("unhealthy"))
        );
        assert_eq!(health["services"]["redis"], "healthy");

        let (status, live) = body(Check::Live, FACTS, None);
        assert_eq!((status, live["status"].clone()), (200, json!("alive")));
        assert_eq!(live["services"], json!({}));
    }
}
