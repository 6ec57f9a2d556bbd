//! The readiness use case: is every backend the service depends on answering right now?
//!
//! Probes run concurrently, so `/ready` costs the slowest probe, not their sum, and
//! [`throttle`] runs at most one per backend per interval.

pub mod throttle;

use crate::ports::BackendProbe;
use serde::Serialize;
use std::collections::BTreeMap;

/// State of one backend as reported by `/ready`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum BackendState {
    Ok,
    Down,
}

/// The outcome of one readiness check.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReadinessReport {
    /// Backend name -> state, in a stable (sorted) order.
    pub checks: BTreeMap<&'static str, BackendState>,
    /// Backend name -> reason, only for the backends that are down.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub failures: BTreeMap<&'static str, String>,
}

impl ReadinessReport {
    /// Ready only when every backend answered.
    pub fn is_ready(&self) -> bool {
        self.failures.is_empty()
    }

    /// The names of the backends that are down, comma separated, e.g. `"postgres, redis"`.
    pub fn failed_names(&self) -> String {
        self.failures.keys().copied().collect::<Vec<_>>().join(", ")
    }
}

/// One report of several regions' reports: a backend is down when it is down in any region, and
/// its reason names each region it is down in (`eu: connection refused; us: timed out`).
pub fn combined<'a>(
    reports: impl IntoIterator<Item = (&'a str, &'a ReadinessReport)>,
) -> ReadinessReport {
    let mut all = ReadinessReport {
        checks: BTreeMap::new(),
        failures: BTreeMap::new(),
    };
    for (region, report) in reports {
        for (&name, state) in &report.checks {
            let entry = all.checks.entry(name).or_insert(BackendState::Ok);
            if *state == BackendState::Down {
                *entry = BackendState::Down;
            }
        }
        for (&name, reason) in &report.failures {
            let reasons = all.failures.entry(name).or_default();
            if !reasons.is_empty() {
                reasons.push_str("; ");
            }
            reasons.push_str(&format!("{region}: {reason}"));
        }
    }
    all
}

/// Probes two backends concurrently and reports each one's state.
pub async fn check_readiness<A: BackendProbe, B: BackendProbe>(a: &A, b: &B) -> ReadinessReport {
    let (ra, rb) = futures_join(a.probe(), b.probe()).await;
    let mut report = ReadinessReport {
        checks: BTreeMap::new(),
        failures: BTreeMap::new(),
    };
    for (name, result) in [(a.name(), ra), (b.name(), rb)] {
        match result {
            Ok(()) => {
                report.checks.insert(name, BackendState::Ok);
            }
            Err(reason) => {
                report.checks.insert(name, BackendState::Down);
                report.failures.insert(name, reason);
            }
        }
    }
    report
}

/// A tiny two-future join, so core needs no executor crate. Polls both until both are done.
async fn futures_join<FA, FB>(fa: FA, fb: FB) -> (FA::Output, FB::Output)
where
    FA: std::future::Future,
    FB: std::future::Future,
{
    use std::pin::pin;
    use std::task::Poll;

    let mut fa = pin!(fa);
    let mut fb = pin!(fb);
    let mut out_a = None;
    let mut out_b = None;
    std::future::poll_fn(move |cx| {
        if out_a.is_none() {
            if let Poll::Ready(v) = fa.as_mut().poll(cx) {
                out_a = Some(v);
            }
        }
        if out_b.is_none() {
            if let Poll::Ready(v) = fb.as_mut().poll(cx) {
                out_b = Some(v);
            }
        }
        if out_a.is_some() && out_b.is_some() {
            Poll::Ready((out_a.take().unwrap(), out_b.take().unwrap()))
        } else {
            Poll::Pending
        }
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures::executor::block_on;

    struct Fixed(&'static str, Result<(), String>);

    impl BackendProbe for Fixed {
        fn name(&self) -> &'static str {
            self.0
        }
        async fn probe(&self) -> Result<(), String> {
            self.1.clone()
        }
    }

    #[test]
    fn ready_when_every_backend_answers() {
        let report = block_on(check_readiness(
            &Fixed("postgres", Ok(())),
            &Fixed("redis", Ok(())),
        ));
        assert!(report.is_ready());
        assert_eq!(report.checks["postgres"], BackendState::Ok);
        assert_eq!(report.checks["redis"], BackendState::Ok);
        assert_eq!(
            serde_json::to_value(&report).unwrap(),
            serde_json::json!({"checks": {"postgres": "ok", "redis": "ok"}})
        );
    }

    #[test]
    fn a_down_backend_is_named_with_its_reason() {
        let report = block_on(check_readiness(
            &Fixed("postgres", Err("connection refused".into())),
            &Fixed("redis", Ok(())),
        ));
        assert!(!report.is_ready());
        assert_eq!(report.failed_names(), "postgres");
        assert_eq!(report.failures["postgres"], "connection refused");
        assert_eq!(report.checks["redis"], BackendState::Ok);
    }

    #[test]
    fn regions_combine_into_one_report_naming_where_each_backend_is_down() {
        let eu = block_on(check_readiness(
            &Fixed("postgres", Ok(())),
            &Fixed("redis", Ok(())),
        ));
        let us = block_on(check_readiness(
            &Fixed("postgres", Err("refused".into())),
            &Fixed("redis", Ok(())),
        ));
        let ap = block_on(check_readiness(
            &Fixed("postgres", Err("timed out".into())),
            &Fixed("redis", Ok(())),
        ));
        let all = combined([("eu", &eu), ("us", &us), ("ap", &ap)]);
        assert!(!all.is_ready());
        assert_eq!(all.checks["postgres"], BackendState::Down);
        assert_eq!(all.checks["redis"], BackendState::Ok);
        assert_eq!(all.failures["postgres"], "us: refused; ap: timed out");
        assert!(combined([("eu", &eu)]).is_ready());
    }

    #[test]
    fn both_down_names_both_in_stable_order() {
        let report = block_on(check_readiness(
            &Fixed("redis", Err("timeout".into())),
            &Fixed("postgres", Err("refused".into())),
        ));
        assert_eq!(report.failed_names(), "postgres, redis");
    }

    #[test]
    fn probes_run_concurrently_not_one_after_the_other() {
        // A probe that is pending until the other one has been polled proves interleaving: run
        // sequentially, `a` would wait forever for `b` to start.
        use std::cell::Cell;
        use std::task::Poll;
        struct Gate<'a> {
            me: &'a Cell<bool>,
            other: &'a Cell<bool>,
            name: &'static str,
        }
        impl BackendProbe for Gate<'_> {
            fn name(&self) -> &'static str {
                self.name
            }
            async fn probe(&self) -> Result<(), String> {
                self.me.set(true);
                std::future::poll_fn(|cx| {
                    if self.other.get() {
                        Poll::Ready(())
                    } else {
                        cx.waker().wake_by_ref();
                        Poll::Pending
                    }
                })
                .await;
                Ok(())
            }
        }
        let (a, b) = (Cell::new(false), Cell::new(false));
        let report = block_on(check_readiness(
            &Gate {
                me: &a,
                other: &b,
                name: "a",
            },
            &Gate {
                me: &b,
                other: &a,
                name: "b",
            },
        ));
        assert!(report.is_ready());
    }
}
