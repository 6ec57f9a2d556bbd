//! One row of the benchmark: an endpoint on a runtime, at saturation (with CPU per request
//! read from /proc) and at the moderate rate.

use super::driver::Driver;
use super::endpoints::Endpoint;
use super::load::Sample;
use super::{Runtime, CONNECTIONS, MODERATE_RATE};
use crate::proc::{note, step};
use crate::stack::{procs, StackLayout};
use std::collections::BTreeSet;
use std::time::Duration;

/// A worker to load: its port, and where its processes are found. The processes are looked up
/// afresh for each measurement: `wrangler dev` may restart its runtime after it first serves.
pub struct Target {
    pub port: u16,
    /// The plain workerd's pid; `None` for `wrangler dev` (found from the port).
    plain_pid: Option<u32>,
}

impl Target {
    pub fn wrangler(port: u16) -> Self {
        Self {
            port,
            plain_pid: None,
        }
    }

    pub fn plain(w: &super::workerd::PlainWorkerd) -> Self {
        Self {
            port: w.port,
            plain_pid: Some(w.pid()),
        }
    }

    /// Every process of this worker, and the workerd that runs its code.
    pub fn processes(&self) -> crate::Result<(BTreeSet<u32>, Option<u32>)> {
        Ok(match self.plain_pid {
            Some(pid) => (procs::tree(pid), Some(pid)),
            None => {
                let tree = procs::wrangler_tree(self.port)?;
                let runtime = procs::user_runtime(&tree);
                (tree, runtime)
            }
        })
    }
}

pub struct Row {
    pub runtime: Runtime,
    pub endpoint: Endpoint,
    pub saturated: Sample,
    pub moderate: Sample,
    pub worker_cpu_ms: f64,
    pub stack_cpu_ms: f64,
}

/// Saturation (with CPU read from /proc before and after), then the moderate rate, driven by
/// `driver` (oha or ours).
pub fn measure(
    runtime: Runtime,
    endpoint: Endpoint,
    target: &Target,
    driver: &Driver,
    layout: &StackLayout,
    length: Duration,
) -> crate::Result<Row> {
    let label = format!(
        "{} on {} ({})",
        endpoint.name(),
        runtime.name(),
        match driver {
            Driver::Oha(_) => "oha",
            Driver::Ours { .. } => "our generator",
        }
    );
    step(&format!(
        "bench: {label} — saturation, {CONNECTIONS} connections, {} s",
        length.as_secs()
    ));
    let (tree, worker_pid) = target.processes()?;
    if worker_pid.is_none() {
        note("the workerd that runs the worker was not found; its CPU reads as 0");
    }
    let roots = procs::stack_roots(layout, &tree);
    let worker_cpu = || worker_pid.map_or(0.0, procs::cpu_seconds);
    let (w0, s0) = (worker_cpu(), procs::cpu_of_trees(&roots));
    let saturated = driver.saturate(CONNECTIONS, length)?;
    let (w1, s1) = (worker_cpu(), procs::cpu_of_trees(&roots));
    let n = saturated.requests().max(1) as f64;
    let (worker_cpu_ms, stack_cpu_ms) = ((w1 - w0) * 1000.0 / n, (s1 - s0) * 1000.0 / n);
    note(&format!(
        "{:.0} req/s, {} errors; CPU per request: the worker's workerd {worker_cpu_ms:.3} ms, whole stack {stack_cpu_ms:.3} ms",
        saturated.rate(),
        saturated.errors
    ));
    if let Some(e) = &saturated.first_error {
        note(&format!("first error: {e}"));
    }
    step(&format!(
        "bench: {label} — {MODERATE_RATE} req/s for {} s",
        length.as_secs()
    ));
    let moderate = driver.fixed_rate(MODERATE_RATE, length, 8)?;
    note(&format!(
        "p50 {:.2} ms, p99 {:.2} ms, {} errors",
        moderate.percentile_ms(50.0),
        moderate.percentile_ms(99.0),
        moderate.errors
    ));
    Ok(Row {
        runtime,
        endpoint,
        saturated,
        moderate,
        worker_cpu_ms,
        stack_cpu_ms,
    })
}
