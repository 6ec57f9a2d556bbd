//! The benchmark's report: one Markdown table per runtime, the floors, and the goals.

use super::endpoints::Endpoint;
use super::{floor, peer, primitives, Row, Runtime, CONNECTIONS, MODERATE_RATE};
use std::time::Duration;

pub struct Run<'a> {
    pub rows: &'a [Row],
    pub primitives: &'a floor::Primitives,
    /// The primitives worker's rows (plain workerd): the endpoints' CPU floors.
    pub primitive_rows: &'a [Row],
    pub wasm_raw: u64,
    pub wasm_gz: u64,
    pub first_response: Duration,
    pub seconds: u64,
    pub bcrypt: &'a peer::Bcrypt,
    /// live on plain workerd under our generator, beside its oha row.
    pub cross_check: &'a Row,
}

/// Issue 32's goal of p50 against its floor, on plain workerd, every endpoint with a backend
/// (issue 16's was 1.5).
const FLOOR_RATIO_GOAL: f64 = 2.5;

/// The floor of an endpoint: the trivial worker's p50 plus the primitives it needs.
fn floor_ms(endpoint: Endpoint, trivial_p50: f64, p: &floor::Primitives) -> (f64, &'static str) {
    let connect_and = |statements: f64| p.pg_connect + statements * p.pg_statement;
    match endpoint {
        Endpoint::TrivialWorker | Endpoint::Live | Endpoint::Jwks | Endpoint::Primitive(_) => {
            (trivial_p50, "runtime")
        }
        Endpoint::SendOtp => (trivial_p50 + p.gateway_call, "runtime + 1 gateway call"),
        // The address counted and the code checked in one pipeline; the login's count in the
        // risk records rides the metrics write after the answer (docs/redis-cluster.md). The
        // bench's numbers return: the account write alone (the account the store remembers).
        Endpoint::Login => (
            trivial_p50 + p.gateway_call + connect_and(1.0),
            "runtime + 1 gateway call + connection + 1 statement",
        ),
        Endpoint::Refresh | Endpoint::Profile | Endpoint::Mixed => (
            trivial_p50 + connect_and(1.0),
            "runtime + connection + 1 statement",
        ),
        // The proof's `jti` taken in Redis, then the bearer form's work.
        Endpoint::DpopRefresh | Endpoint::DpopProfile => (
            trivial_p50 + p.gateway_call + connect_and(1.0),
            "runtime + 1 gateway call + connection + 1 statement",
        ),
    }
}

/// CPU per request of an endpoint's own request: each login step also ran an untimed
/// send-otp, whose cost (its own row, same runtime, same run) is taken out.
fn own_cpu(rows: &[&Row], r: &Row, pick: fn(&Row) -> f64) -> f64 {
    match r.endpoint {
        Endpoint::Login => {
            let send = rows.iter().find(|x| x.endpoint == Endpoint::SendOtp);
            pick(r) - send.map_or(0.0, |s| pick(s))
        }
        _ => pick(r),
    }
}

fn ms(v: f64) -> String {
    if v.is_finite() {
        format!("{v:.2}")
    } else {
        "-".into()
    }
}

fn trivial_of<'a>(rows: &[&'a Row]) -> Option<&'a Row> {
    rows.iter()
        .copied()
        .find(|r| r.endpoint == Endpoint::TrivialWorker)
}

pub fn print(run: &Run) {
    let p = run.primitives;
    println!(
        "\n## Endpoints\n\nSaturation: {CONNECTIONS} connections for {s} s. Latency: {MODERATE_RATE} req/s \
         for {s} s. CPU: per request, from /proc, over the saturation run; \"worker\" is the \
         workerd that runs the worker, \"stack\" every process of the stack (workerd, wrangler, \
         PgBouncer, PostgreSQL, gateway, Redis). Login's CPU excludes the send-otp each login \
         step needs (its own row).",
        s = run.seconds
    );
    let mut trivial_p50s = Vec::new();
    for runtime in [Runtime::WranglerDev, Runtime::PlainWorkerd] {
        let rows: Vec<&Row> = run.rows.iter().filter(|r| r.runtime == runtime).collect();
        let Some(trivial) = trivial_of(&rows) else {
            continue;
        };
        let trivial_p50 = trivial.moderate.percentile_ms(50.0);
        trivial_p50s.push((runtime, trivial_p50));
        println!("\n### {}\n", runtime.name());
        println!("| endpoint | generator | req/s at saturation | errors | p50 ms | p99 ms | floor ms | p50 / floor | worker CPU ms/req | above trivial worker | stack CPU ms/req |");
        println!("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        for r in &rows {
            let (floor, _) = floor_ms(r.endpoint, trivial_p50, p);
            let p50 = r.moderate.percentile_ms(50.0);
            let cpu = own_cpu(&rows, r, |x| x.worker_cpu_ms);
            println!(
                "| {} | {} | {:.0} | {} | {} | {} | {} | {:.2}x | {cpu:.2} | {:.2} | {:.2} |",
                r.endpoint.name(),
                r.saturated.generator.name(),
                r.saturated.rate(),
                r.saturated.errors + r.moderate.errors,
                ms(p50),
                ms(r.moderate.percentile_ms(99.0)),
                ms(floor),
                p50 / floor,
                cpu - trivial.worker_cpu_ms,
                own_cpu(&rows, r, |x| x.stack_cpu_ms),
            );
        }
    }
    println!("\nFloors: the trivial worker's p50 on the same runtime plus");
    for endpoint in [Endpoint::SendOtp, Endpoint::Login, Endpoint::Refresh] {
        let (_, parts) = floor_ms(endpoint, 0.0, p);
        println!("- {}: {parts}", endpoint.name());
    }
    println!(
        "\nPrimitives (median of 500, from the load generator's process): gateway call {:.3} ms, \
         Postgres statement through PgBouncer {:.3} ms, new pooler connection {:.3} ms.",
        p.gateway_call, p.pg_statement, p.pg_connect
    );
    if let [(_, wrangler), (_, plain)] = trivial_p50s[..] {
        println!(
            "The trivial worker's p50 is {} ms under wrangler dev and {} ms on plain workerd: {} ms \
             of the floor is the dev runtime's forwarding and inspector.",
            ms(wrangler),
            ms(plain),
            ms(wrangler - plain)
        );
    }
    println!(
        "Bundle: {} bytes raw ({:.1} MiB of Workers' 64 MiB limit), {} bytes gzipped (`gzip -9`, \
         kept as a trend: the compressed limit is gone). First response {:.2} s after \
         `wrangler dev` started.",
        run.wasm_raw,
        run.wasm_raw as f64 / 1_048_576.0,
        run.wasm_gz,
        run.first_response.as_secs_f64()
    );
    print_peer(run);
    print_cross_check(run);
    print_dpop_cost(run);
    let plain: Vec<&Row> = run
        .rows
        .iter()
        .filter(|r| r.runtime == Runtime::PlainWorkerd)
        .collect();
    let Some(trivial) = trivial_of(&plain) else {
        return;
    };
    let own: Vec<(Endpoint, f64)> = plain
        .iter()
        .map(|r| (r.endpoint, own_cpu(&plain, r, |x| x.worker_cpu_ms)))
        .collect();
    primitives::print_cpu_floors(&own, trivial.worker_cpu_ms, run.primitive_rows);
    println!("\nGoals (issue 32), plain workerd:");
    let trivial_p50 = trivial.moderate.percentile_ms(50.0);
    for r in plain
        .iter()
        .filter(|r| !primitives::needs(r.endpoint).is_empty())
    {
        let (floor, _) = floor_ms(r.endpoint, trivial_p50, p);
        let ratio = r.moderate.percentile_ms(50.0) / floor;
        println!(
            "- {}: p50 at most {FLOOR_RATIO_GOAL}x its floor: {ratio:.2}x ({})",
            r.endpoint.name(),
            met(ratio <= FLOOR_RATIO_GOAL)
        );
    }
    primitives::print_cpu_goals(&own);
}

/// What binding the pair to a DPoP key costs each request: the bound flow's worker CPU and p50
/// over the bearer flow's, same runtime, same run (issue 31, point 5).
fn print_dpop_cost(run: &Run) {
    println!(
        "\nDPoP over the bearer form, same run (worker CPU ms/req and p50 ms; the bound form \
         verifies a proof with WebCrypto and takes its `jti` in Redis):\n\n\
         | runtime | flow | CPU bearer | CPU DPoP | added | ratio | p50 bearer | p50 DPoP | ratio |\n\
         |---|---|---:|---:|---:|---:|---:|---:|---:|"
    );
    for runtime in [Runtime::WranglerDev, Runtime::PlainWorkerd] {
        let row = |e: Endpoint| {
            run.rows
                .iter()
                .find(|r| r.runtime == runtime && r.endpoint == e)
        };
        for (bearer, bound) in [
            (Endpoint::Refresh, Endpoint::DpopRefresh),
            (Endpoint::Profile, Endpoint::DpopProfile),
        ] {
            let (Some(b), Some(d)) = (row(bearer), row(bound)) else {
                continue;
            };
            let (b50, d50) = (
                b.moderate.percentile_ms(50.0),
                d.moderate.percentile_ms(50.0),
            );
            println!(
                "| {} | {} | {:.3} | {:.3} | {:.3} | {:.2}x | {} | {} | {:.2}x |",
                runtime.name(),
                bearer.name(),
                b.worker_cpu_ms,
                d.worker_cpu_ms,
                d.worker_cpu_ms - b.worker_cpu_ms,
                d.worker_cpu_ms / b.worker_cpu_ms,
                ms(b50),
                ms(d50),
                d50 / b50
            );
        }
    }
}

pub(super) fn met(yes: bool) -> &'static str {
    if yes {
        "met"
    } else {
        "NOT met"
    }
}

/// oha and ours on the same endpoint, same runtime, same run.
fn print_cross_check(run: &Run) {
    let ours = run.cross_check;
    let Some(theirs) = run
        .rows
        .iter()
        .find(|r| r.runtime == ours.runtime && r.endpoint == ours.endpoint)
    else {
        return;
    };
    println!(
        "\nThe two load generators on {} ({}), same run:\n\n\
         | generator | req/s at saturation | p50 ms | p99 ms | worker CPU ms/req |\n|---|---:|---:|---:|---:|",
        ours.endpoint.name(),
        ours.runtime.name()
    );
    for r in [theirs, ours] {
        println!(
            "| {} | {:.0} | {} | {} | {:.3} |",
            r.saturated.generator.name(),
            r.saturated.rate(),
            ms(r.moderate.percentile_ms(50.0)),
            ms(r.moderate.percentile_ms(99.0)),
            r.worker_cpu_ms
        );
    }
    println!(
        "Ours against oha: {:.2}x the rate, {:.2}x the p50.",
        ours.saturated.rate() / theirs.saturated.rate(),
        ours.moderate.percentile_ms(50.0) / theirs.moderate.percentile_ms(50.0)
    );
}

/// The Go service's bcrypt beside our worker CPU per request, plain workerd, same run.
fn print_peer(run: &Run) {
    let b = run.bcrypt;
    println!(
        "\n### The Go service's cost, same run\n\nbcrypt at cost {}: hash {:.1} ms CPU (on \
         send), verify {:.1} ms CPU (on login), `bcrypt` crate on this machine.\n",
        peer::GO_COST,
        b.hash_ms,
        b.verify_ms
    );
    let rows: Vec<&Row> = run
        .rows
        .iter()
        .filter(|r| r.runtime == Runtime::PlainWorkerd)
        .collect();
    println!(
        "| endpoint | our worker CPU ms/req | the Go service's bcrypt alone | bcrypt / ours |"
    );
    println!("|---|---:|---:|---:|");
    for (endpoint, theirs) in [
        (Endpoint::SendOtp, b.hash_ms),
        (Endpoint::Login, b.verify_ms),
    ] {
        if let Some(r) = rows.iter().find(|r| r.endpoint == endpoint) {
            let ours = own_cpu(&rows, r, |x| x.worker_cpu_ms);
            println!(
                "| {} | {ours:.2} | {theirs:.1} | {:.0}x |",
                endpoint.name(),
                theirs / ours
            );
        }
    }
}
