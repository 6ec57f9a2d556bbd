//! `cargo xtask bench [SECONDS]`: every endpoint under load on the local stack (PgBouncer,
//! PostgreSQL, the REST gateway, Redis) with the worker on two runtimes: `wrangler dev` as
//! developers run it, and plain `workerd serve` on a config of our own, with neither wrangler's
//! forwarding workerd nor the inspector (the closest local stand-in for the edge). Each endpoint is
//! compared with its floor measured in the same run, prints progress, then the report as
//! Markdown, and writes the latency-versus-load chart to `docs/bench-latency.svg`.
//!
//! Per endpoint and runtime: requests/s at saturation (10 connections, SECONDS long), p50/p99 at
//! a fixed moderate rate, errors (must be 0), CPU per request of the workerd that runs the worker
//! and of the whole stack. Floors: a trivial JavaScript worker on the same runtime plus the
//! primitives the endpoint needs, measured straight from this process. Last, the signing
//! benchmark (`bench-signing`) runs in the same command.

mod compare;
mod cpuprofile;
mod curves;
mod dpop;
mod driver;
mod endpoints;
mod floor;
mod http;
mod inspector;
mod load;
mod measure;
mod oha;
mod peer;
mod plot;
mod primitives;
mod profiler;
mod pumping;
mod relay;
mod report;
mod soak;
mod startup;
mod worker_vars;
mod workerd;

pub use compare::compare;
pub use profiler::{cpu_profile, parse_endpoints};
pub use pumping::pumping;
pub use soak::soak;
pub use startup::bench_startup;
pub(crate) use worker_vars::bench_vars;

use crate::proc::{note, step};
use crate::stack::{Stack, StackLayout};
use crate::{build_worker, devvars, root, toolchain};
use driver::Driver;
use endpoints::Endpoint;
use measure::{measure, Row, Target};
use std::time::{Duration, Instant};

/// Connections of the saturation runs.
const CONNECTIONS: usize = 10;
/// The most connections any run opens (the latency curves'); each needs its own test number.
const MAX_CONNECTIONS: usize = 32;
/// The moderate fixed rate for p50/p99 (requests/s), well under every endpoint's saturation
/// (login, the slowest, saturates at about 60/s here).
const MODERATE_RATE: f64 = 20.0;

const ENDPOINTS: [Endpoint; 9] = [
    Endpoint::TrivialWorker,
    Endpoint::Live,
    Endpoint::Jwks,
    Endpoint::SendOtp,
    Endpoint::Login,
    Endpoint::Refresh,
    Endpoint::Profile,
    Endpoint::DpopRefresh,
    Endpoint::DpopProfile,
];

/// Where a worker runs for a measurement.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Runtime {
    /// `wrangler dev`: a forwarding workerd on the public port, then the worker's own workerd
    /// with the inspector attached.
    WranglerDev,
    /// `workerd serve` on a config of our own: no forwarding workerd, no inspector.
    PlainWorkerd,
}

impl Runtime {
    fn name(self) -> &'static str {
        match self {
            Runtime::WranglerDev => "wrangler dev",
            Runtime::PlainWorkerd => "plain workerd (no wrangler, no inspector)",
        }
    }
}

/// A plain workerd's settings on the bench's stack: the bench's own (limits out of the way,
/// test numbers) and the stack's addresses and gateway token, which `wrangler dev` gets from
/// the stack instead.
fn plain_worker_vars(
    layout: &StackLayout,
    token: &str,
) -> crate::Result<std::collections::BTreeMap<String, String>> {
    let mut vars = bench_vars()?;
    vars.extend(crate::stack::worker::stack_vars(layout, token));
    Ok(vars)
}

pub fn bench(seconds: u64) -> crate::Result<()> {
    crate::proc::catch_interrupts();
    let length = Duration::from_secs(seconds);
    toolchain::setup()?;
    build_worker::build_worker(false)?;
    let (wasm_raw, wasm_gz) = build_worker::bundle_sizes()?;
    note(&format!("bundle: {wasm_raw} bytes raw, {wasm_gz} gzipped"));

    let layout = StackLayout::bench();
    let token = devvars::random_token(24);
    let mut stack = Stack::start_backends(layout.clone(), token.clone())?;
    let started = Instant::now();
    stack.start_worker(bench_vars()?, false)?;
    let first_response = started.elapsed();
    note(&format!(
        "first response {:.2} s after `wrangler dev` was started",
        first_response.as_secs_f64()
    ));
    let vars = plain_worker_vars(&layout, &token)?;
    let free = || {
        std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map(|a| a.port())
            .map_err(|e| e.to_string())
    };
    let dir = layout.dir.join("trivial");
    let trivial_port = free()?;
    let trivial = floor::trivial_worker(&dir, trivial_port, free()?)?;
    step("bench: the worker and the trivial worker on plain workerd");
    let pooler = workerd::Pooler::of(&layout);
    let mf_worker = workerd::PlainWorkerd::start(
        &root().join("build/index.js"),
        free()?,
        &vars,
        Some(&pooler),
        &layout.dir.join("workerd-worker.log"),
    )?;
    let mf_trivial = workerd::PlainWorkerd::start(
        &floor::trivial_script(&dir)?,
        free()?,
        &Default::default(),
        None,
        &layout.dir.join("workerd-trivial.log"),
    )?;
    let runtimes = [
        (
            Runtime::WranglerDev,
            Target::wrangler(layout.worker_port),
            Target::wrangler(trivial_port),
        ),
        (
            Runtime::PlainWorkerd,
            Target::plain(&mf_worker),
            Target::plain(&mf_trivial),
        ),
    ];

    step("bench: the Go service's bcrypt at cost 10 (20 rounds each)");
    let bcrypt = peer::measure(20)?;
    note(&format!(
        "bcrypt cost {}: hash {:.1} ms CPU, verify {:.1} ms CPU",
        peer::GO_COST,
        bcrypt.hash_ms,
        bcrypt.verify_ms
    ));

    step("bench: primitives (500 rounds each)");
    let primitives = floor::measure(layout.gateway_port, &token, &layout.pooler_url(), 500)?;
    note(&format!(
        "gateway call {:.3} ms, Postgres statement {:.3} ms, pooler connection {:.3} ms",
        primitives.gateway_call, primitives.pg_statement, primitives.pg_connect
    ));

    let mut rows = Vec::new();
    for (runtime, worker, trivial_target) in &runtimes {
        for endpoint in ENDPOINTS {
            let target = match endpoint {
                Endpoint::TrivialWorker => trivial_target,
                _ => worker,
            };
            let driver = Driver::for_endpoint(endpoint, target.port)?;
            rows.push(measure(
                *runtime, endpoint, target, &driver, &layout, length,
            )?);
        }
    }
    // The CPU floor each endpoint's primitives set, on plain workerd, same stack, same run.
    step("bench: the primitives worker on plain workerd (a fetch, a socket, a sign, a verify)");
    let primitives_worker = primitives::start(
        &layout.dir.join("primitives"),
        free()?,
        &layout.gateway_url(),
        &token,
    )?;
    let primitives_target = Target::plain(&primitives_worker);
    let mut primitive_rows = Vec::new();
    for primitive in primitives::PRIMITIVES {
        let endpoint = Endpoint::Primitive(primitive);
        let driver = Driver::for_endpoint(endpoint, primitives_target.port)?;
        primitive_rows.push(measure(
            Runtime::PlainWorkerd,
            endpoint,
            &primitives_target,
            &driver,
            &layout,
            length,
        )?);
    }
    drop(primitives_worker);
    // The same endpoint under our generator, beside oha's row: the two must agree for our
    // numbers of the stateful flows to stand next to oha's.
    let (_, plain_worker, _) = &runtimes[1];
    let cross_check = measure(
        Runtime::PlainWorkerd,
        Endpoint::Live,
        plain_worker,
        &Driver::ours(Endpoint::Live, plain_worker.port),
        &layout,
        length,
    )?;

    let curves = curves::latency_curves(&rows, &runtimes[0].1, &runtimes[0].2)?;
    let chart = root().join("docs/bench-latency.svg");
    std::fs::create_dir_all(root().join("docs")).map_err(|e| e.to_string())?;
    std::fs::write(
        &chart,
        plot::svg(
            "Latency versus offered load (wrangler dev, local stack, 2 cores)",
            &curves,
        ),
    )
    .map_err(|e| e.to_string())?;
    note(&format!("chart written to {}", chart.display()));
    drop((mf_worker, mf_trivial, trivial));
    stack.shutdown();

    report::print(&report::Run {
        rows: &rows,
        primitives: &primitives,
        primitive_rows: &primitive_rows,
        wasm_raw,
        wasm_gz,
        first_response,
        seconds,
        bcrypt: &bcrypt,
        cross_check: &cross_check,
    });
    // Signing, same run: WebCrypto against the pure-Rust signer inside the worker.
    step("bench: ES256 signing in the worker (cargo xtask bench-signing 30)");
    crate::bench_signing::bench(30)?;
    let errors: usize = rows
        .iter()
        .chain(&primitive_rows)
        .chain([&cross_check])
        .map(|r| r.saturated.errors + r.moderate.errors)
        .sum();
    if errors > 0 {
        return Err(format!("{errors} requests failed during the benchmark"));
    }
    Ok(())
}
