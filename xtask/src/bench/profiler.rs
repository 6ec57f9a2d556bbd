//! `cargo xtask cpu-profile ENDPOINT[,ENDPOINT..]|all [SECONDS]`: where the worker's CPU goes
//! (issue 16, point 1). The bench's stack and worker settings, the worker on plain workerd with
//! the V8 inspector attached; per endpoint, a warm-up, then SECONDS of saturation (the bench's
//! connections) while the inspector records a CPU profile. Prints self time by kind of code and
//! the top functions by self and total time, per request, with the wasm functions named by the
//! module's names section; writes `target/profiles/ENDPOINT.cpuprofile` (Chrome DevTools'
//! Performance panel or speedscope open it) and the printed report beside it.
//!
//! The inspector and the sampling cost something themselves: shares are what to read here;
//! `cargo xtask bench` (no inspector) measures the CPU per request.
//!
//! The worker reaches Postgres and the gateway through counting relays ([`Relay`]), so each
//! report also says what a request costs at the backends: connections, the turns of the
//! Postgres conversation, and gateway calls (issue 32, point 2). A summary table of those
//! follows the last endpoint.

use super::cpuprofile::{self, Summary};
use super::endpoints::Endpoint;
use super::inspector::Inspector;
use super::relay::{Relay, Tally};
use super::workerd::{PlainWorkerd, Pooler};
use super::{load, plain_worker_vars, CONNECTIONS, ENDPOINTS};
use crate::proc::{note, step};
use crate::stack::{net, Stack, StackLayout};
use crate::{build_worker, devvars, root, toolchain};
use serde_json::json;
use std::fmt::Write as _;
use std::time::Duration;

/// Microseconds between samples: 10 samples in a millisecond-long request.
const SAMPLING_INTERVAL_US: u64 = 100;
/// Functions listed by self time and by total time.
const TOP: usize = 25;
/// Load before each recording, so the recording sees optimised code, not the first calls.
const WARM_UP: Duration = Duration::from_secs(2);

/// Every endpoint of the bench but the trivial worker (not ours to profile).
const PROFILED: &[Endpoint] = ENDPOINTS.split_first().unwrap().1;

/// `live,login` or `all` as endpoints.
pub fn parse_endpoints(list: &str) -> crate::Result<Vec<Endpoint>> {
    if list == "all" {
        return Ok(PROFILED.to_vec());
    }
    list.split(',')
        .map(|name| {
            PROFILED
                .iter()
                .copied()
                .find(|e| e.name() == name)
                .ok_or_else(|| {
                    let known: Vec<_> = PROFILED.iter().map(|e| e.name()).collect();
                    format!("no endpoint {name:?}; one of {} or all", known.join(", "))
                })
        })
        .collect()
}

pub fn cpu_profile(endpoints: &[Endpoint], seconds: u64) -> crate::Result<()> {
    crate::proc::catch_interrupts();
    toolchain::setup()?;
    build_worker::build_worker(false)?;
    let layout = StackLayout::bench();
    let token = devvars::random_token(24);
    let mut stack = Stack::start_backends(layout.clone(), token.clone())?;
    let result = record_all(endpoints, seconds, &layout, &token);
    stack.shutdown();
    result
}

fn record_all(
    endpoints: &[Endpoint],
    seconds: u64,
    layout: &StackLayout,
    token: &str,
) -> crate::Result<()> {
    let mut vars = plain_worker_vars(layout, token)?;
    let mut pooler = Pooler::of(layout);
    let postgres = Relay::start(&pooler.address)?;
    pooler.address = postgres.address.to_string();
    let gateway = Relay::start(&format!("127.0.0.1:{}", layout.gateway_port))?;
    vars.insert(
        "REDIS_REST_URL".into(),
        format!("http://{}", gateway.address),
    );
    let [port, inspector_port] = net::free_ports::<2>()?;
    step("cpu-profile: the worker on plain workerd with the inspector");
    let worker = PlainWorkerd::prepare(
        &root().join("build/index.js"),
        port,
        &vars,
        Some(&pooler),
        &layout.dir.join("workerd-profiled.log"),
    )?
    .with_inspector(inspector_port)
    .spawn()?
    .serving()?;
    let mut inspector = Inspector::connect(inspector_port)?;
    inspector.call("Profiler.enable", json!({}))?;
    inspector.call(
        "Profiler.setSamplingInterval",
        json!({ "interval": SAMPLING_INTERVAL_US }),
    )?;
    let out_dir = root().join("target/profiles");
    std::fs::create_dir_all(&out_dir).map_err(|e| format!("{}: {e}", out_dir.display()))?;
    let length = Duration::from_secs(seconds);
    let mut summary = Vec::new();
    for &endpoint in endpoints {
        let name = endpoint.name();
        step(&format!(
            "cpu-profile: {name} — warm-up, {} s",
            WARM_UP.as_secs()
        ));
        load::saturate(endpoint, worker.port, CONNECTIONS, WARM_UP)?;
        step(&format!(
            "cpu-profile: {name} — recording, {CONNECTIONS} connections, {seconds} s"
        ));
        inspector.call("Profiler.start", json!({}))?;
        let before = (postgres.tally(), gateway.tally());
        let load = load::saturate(endpoint, worker.port, CONNECTIONS, length);
        let costs = Costs {
            requests: load.as_ref().map_or(0, |l| l.requests()),
            postgres: postgres.tally().since(before.0),
            gateway: gateway.tally().since(before.1),
        };
        let mut stopped = inspector.call("Profiler.stop", json!({}))?;
        let load = load?;
        if load.errors > 0 {
            return Err(format!(
                "{} of {} requests failed while profiling {name}; first: {}",
                load.errors,
                load.requests(),
                load.first_error.unwrap_or_default()
            ));
        }
        let raw = stopped["profile"].take();
        let file = out_dir.join(format!("{name}.cpuprofile"));
        std::fs::write(&file, raw.to_string()).map_err(|e| format!("{}: {e}", file.display()))?;
        let parsed: cpuprofile::CpuProfile = serde_json::from_value(raw)
            .map_err(|e| format!("the profile of {name} does not parse: {e}"))?;
        let mut report = report(
            name,
            seconds,
            load.requests(),
            &cpuprofile::summarise(&parsed),
        );
        report.push_str(&costs.table());
        summary.push((name, costs));
        let md = file.with_extension("md");
        std::fs::write(&md, &report).map_err(|e| format!("{}: {e}", md.display()))?;
        println!("\n{report}");
        note(&format!("written: {} and {}", file.display(), md.display()));
    }
    drop(inspector);
    drop(worker);
    println!("\n{}", summary_table(&summary));
    Ok(())
}

/// What a run's requests cost at the backends, counted by the relays.
struct Costs {
    requests: usize,
    postgres: Tally,
    gateway: Tally,
}

const COST_HEADER: &str = "| Postgres connections | Postgres writes | Postgres answers \
     | round trips after the connection | gateway calls |";

impl Costs {
    /// Per request: connections, the worker's writes and Postgres's answers (turns of the
    /// conversation), the answers after the connection's first (a round trip each), and the
    /// HTTP requests to the gateway.
    fn per_request(&self) -> [f64; 5] {
        let n = self.requests.max(1) as f64;
        let p = &self.postgres;
        let after_connection = p.answers.saturating_sub(p.connections);
        [
            p.connections as f64 / n,
            p.writes as f64 / n,
            p.answers as f64 / n,
            after_connection as f64 / n,
            self.gateway.writes as f64 / n,
        ]
    }

    fn row(&self) -> String {
        let cells: Vec<String> = self
            .per_request()
            .iter()
            .map(|v| format!("{v:.2}"))
            .collect();
        format!("| {} |", cells.join(" | "))
    }

    fn table(&self) -> String {
        format!(
            "\nper request at the backends (counted by the relays)\n\n{COST_HEADER}\n\
             |---:|---:|---:|---:|---:|\n{}\n",
            self.row()
        )
    }
}

fn summary_table(rows: &[(&str, Costs)]) -> String {
    let mut out = format!(
        "== per request at the backends\n\n| endpoint {COST_HEADER}\n|---|---:|---:|---:|---:|---:|\n"
    );
    for (name, costs) in rows {
        let _ = writeln!(out, "| {name} {}", costs.row());
    }
    out
}

/// The Markdown report of one endpoint's profile; times per request, shares of busy time.
fn report(name: &str, seconds: u64, requests: usize, s: &Summary) -> String {
    let n = requests.max(1) as f64;
    let per_request = |us: u64| us as f64 / 1000.0 / n;
    let share = |us: u64| 100.0 * us as f64 / s.busy_us.max(1) as f64;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "== CPU profile: {name} on plain workerd with the inspector, {CONNECTIONS} connections, \
         {seconds} s\n\n{requests} requests; the isolate busy {:.0} ms ({:.3} ms per request), \
         idle {:.0} ms; sampled every {SAMPLING_INTERVAL_US} µs.\n",
        s.busy_us as f64 / 1000.0,
        per_request(s.busy_us),
        s.idle_us as f64 / 1000.0,
    );
    let _ = writeln!(out, "| self time by kind | ms per request | share |");
    let _ = writeln!(out, "|---|---:|---:|");
    for (kind, us) in &s.kinds {
        let _ = writeln!(
            out,
            "| {} | {:.3} | {:.1}% |",
            kind.name(),
            per_request(*us),
            share(*us)
        );
    }
    let _ = writeln!(
        out,
        "\ntop {TOP} by self time\n\n| function | kind | self ms per request | self | total |\n|---|---|---:|---:|---:|"
    );
    for f in s.functions.iter().take(TOP) {
        let _ = writeln!(
            out,
            "| `{}` | {} | {:.3} | {:.1}% | {:.1}% |",
            f.name,
            kind_short(f.kind),
            per_request(f.self_us),
            share(f.self_us),
            share(f.total_us)
        );
    }
    let _ = writeln!(
        out,
        "\ntop {TOP} by total time (on the stack)\n\n| function | kind | total ms per request | total |\n|---|---|---:|---:|"
    );
    for f in s.by_total(TOP) {
        let _ = writeln!(
            out,
            "| `{}` | {} | {:.3} | {:.1}% |",
            f.name,
            kind_short(f.kind),
            per_request(f.total_us),
            share(f.total_us)
        );
    }
    out
}

fn kind_short(kind: cpuprofile::Kind) -> &'static str {
    use cpuprofile::Kind::*;
    match kind {
        Wasm => "wasm",
        JavaScript => "js",
        Native => "native",
        GarbageCollector => "gc",
        Program => "program",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoints_are_named_as_the_bench_names_them() {
        assert_eq!(
            parse_endpoints("login,profile").unwrap(),
            vec![Endpoint::Login, Endpoint::Profile]
        );
        assert_eq!(parse_endpoints("all").unwrap().len(), PROFILED.len());
        let err = parse_endpoints("logn").unwrap_err();
        assert!(err.contains("send-otp"), "{err}");
    }

    #[test]
    fn a_round_trip_is_an_answer_after_the_connections_first() {
        // 100 refreshes: each a connection (startup answered), one statement, a Terminate;
        // 2 of them also reached the gateway.
        let costs = Costs {
            requests: 100,
            postgres: Tally {
                connections: 100,
                writes: 300,
                answers: 200,
            },
            gateway: Tally {
                connections: 1,
                writes: 2,
                answers: 2,
            },
        };
        assert_eq!(costs.per_request(), [1.0, 3.0, 2.0, 1.0, 0.02]);
        assert_eq!(costs.row(), "| 1.00 | 3.00 | 2.00 | 1.00 | 0.02 |");
    }
}
