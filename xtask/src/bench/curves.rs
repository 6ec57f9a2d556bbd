//! The latency chart's data: fixed-rate steps up to just past each endpoint's saturation.

use super::endpoints::Endpoint;
use super::{plot, Driver, Row, Runtime, Target, MAX_CONNECTIONS};
use crate::proc::{note, step};
use std::time::Duration;

/// Fixed-rate steps at 10-110% of each charted endpoint's saturation rate under wrangler dev.
pub(super) fn latency_curves(
    rows: &[Row],
    worker: &Target,
    trivial: &Target,
) -> crate::Result<Vec<plot::Series>> {
    let mut series = Vec::new();
    for endpoint in [
        Endpoint::TrivialWorker,
        Endpoint::Jwks,
        Endpoint::Refresh,
        Endpoint::Login,
    ] {
        let Some(row) = rows
            .iter()
            .find(|r| r.endpoint == endpoint && r.runtime == Runtime::WranglerDev)
        else {
            continue;
        };
        let port = if endpoint == Endpoint::TrivialWorker {
            trivial.port
        } else {
            worker.port
        };
        let top = row.saturated.rate();
        let driver = Driver::for_endpoint(endpoint, port)?;
        let mut points = Vec::new();
        for fraction in [0.1, 0.25, 0.5, 0.75, 0.9, 1.1] {
            let rate = (top * fraction).max(1.0);
            step(&format!(
                "bench: latency curve, {} at {rate:.0} req/s ({:.0}% of saturation)",
                endpoint.name(),
                fraction * 100.0
            ));
            let s = driver.fixed_rate(rate, Duration::from_secs(5), MAX_CONNECTIONS)?;
            note(&format!(
                "p50 {:.2} ms, p99 {:.2} ms, {} errors",
                s.percentile_ms(50.0),
                s.percentile_ms(99.0),
                s.errors
            ));
            points.push((rate, s.percentile_ms(50.0), s.percentile_ms(99.0)));
        }
        series.push(plot::Series {
            name: endpoint.name().to_owned(),
            points,
        });
    }
    Ok(series)
}
