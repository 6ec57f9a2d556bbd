//! `cargo xtask <command>`; see `cargo xtask help`.

use std::time::Duration;
use xtask::stack::{Stack, StackLayout};
use xtask::{build_worker, devvars, proc, tiers, toolchain};

const HELP: &str = "\
cargo xtask <command>

  dev            run the service locally: setup, PostgreSQL, Redis, PgBouncer, the REST gateway,
                 migrations, dev secrets in .dev.vars, and wrangler dev. Ctrl-C stops it all.
  test [TIER..] [-- ARGS]
                 run every test tier (lint, native, wasm, conformance, e2e, fuzz, cluster, citus);
                 name tiers to run only those, and pass ARGS to the e2e test binaries
  setup          install the toolchain and packages the build needs (idempotent)
  wrangler ARGS  run the project's wrangler on Node 22 (e.g. `cargo xtask wrangler deploy`)
  bench [SECONDS] every endpoint under load on a stack of its own, against its floor (a trivial
                 worker and the primitives it needs), with CPU per request, bundle size, time to
                 first response and a latency-versus-load chart (docs/bench-latency.svg)
  bench --compare BASE [SECONDS]
                 the worker of commit BASE and of the working tree side by side on plain workerd,
                 each endpoint on both in turn: CPU per request and p50, head / base; writes
                 target/bench-compare.md
  soak [MINUTES] mixed load for MINUTES (10) with the worker's memory sampled; reports the trend
  bench-pumping [SCALE]
                 the e2e SMS pumping simulation SCALE (10) times larger, defence off and on,
                 and the attack on the defence itself (1,000 sends from one network), without
                 and with the bot check, on the test stack; writes target/pumping-report.md and
                 target/denial-report.md (quoted in RELIABILITY.md)
  fuzz-api [EXAMPLES]
                 Schemathesis with EXAMPLES (250) per operation and phase against a worker on a
                 stack of its own (the test command runs 30)
  fuzz-parsers [SECONDS]
                 each cargo-fuzz target (phone numbers, access and refresh tokens, request
                 bodies) for SECONDS (60); installs cargo-fuzz when missing
  bench-gateway [SECONDS]
                 the REST gateway next to plain Redis (INCR and a 3-command pipeline), one run
  bench-startup [ROUNDS]
                 a cold workerd's first answer of /health and of login, beside the smallest
                 wasm worker of the same toolchain (bench/trivial-worker), median of ROUNDS (7)
  cpu-profile ENDPOINT[,ENDPOINT..]|all [SECONDS]
                 a CPU profile of the worker on plain workerd under SECONDS (10) of load per
                 endpoint (live, jwks, send-otp, login, refresh, profile), recorded through the
                 V8 inspector: top functions by self and total time, wasm names resolved;
                 writes target/profiles/ENDPOINT.cpuprofile for DevTools or speedscope
  bench-signing [ROUNDS]
                 ES256 signing in the worker: WebCrypto against pure-Rust p256, one run
  capacity [USERS]
                 storage per user, login, refresh (PostgreSQL, USERS (20000) users through the
                 account store) and per send and login (Redis, through the gateway), on the
                 bench stack; writes target/capacity-report.md (quoted in docs/CAPACITY.md)
  bench-search [USERS]
                 the users list's phone search on USERS users (1000000) with and without
                 the trigram index of migration 0005, and what the index costs writes
  check-docs     the documents name only paths, modules, items and settings that exist, and
                 every crate's map names its modules (part of the lint tier)
  build-worker   build the wasm bundle into build/ when a source changed (--force: always)
  compose-worker the docker-compose worker's command: a development deployment with fresh dev
                 secrets in .dev.vars, the gateway from REDIS_REST_URL and REDIS_REST_TOKEN
  help           this text

The operator's commands (migrate, set-scope, import-otp-auth, keygen) are the auth-ops binary:
`cargo run -p auth-ops -- help`. Named here, each says how to run it on the dev database.

Settings: DATABASE_URL and REDIS_URL use servers you run instead of the stack's own;
DEV_/TEST_/BENCH_/FUZZ_<COMPONENT>_PORT move a port (POSTGRES, REDIS, PGBOUNCER, GATEWAY,
WORKER, INSPECTOR, WEBHOOK).";

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("dev") => dev(),
        Some("test") => {
            // `cargo xtask test [TIER...] [-- E2E_ARGS...]`
            let split = args.iter().position(|a| a == "--").unwrap_or(args.len());
            tiers::test(&args[1..split], args.get(split + 1..).unwrap_or(&[]))
        }
        Some("setup") => toolchain::setup(),
        Some("wrangler") => run_wrangler(&args[1..]),
        Some(moved @ ("migrate" | "set-scope" | "import-otp-auth" | "keygen")) => Err(format!(
            "{moved} is the operator's binary's now: DATABASE_URL={} cargo run -p auth-ops -- {moved} ...",
            StackLayout::dev().database_url()
        )),
        Some("bench") if args.get(1).is_some_and(|a| a == "--compare") => match args.get(2) {
            Some(base) => {
                let seconds = args.get(3).and_then(|s| s.parse().ok()).unwrap_or(5);
                xtask::bench::compare(base, seconds)
            }
            None => Err("usage: cargo xtask bench --compare BASE [SECONDS]".into()),
        },
        Some("bench") => {
            let seconds = args.get(1).and_then(|s| s.parse().ok()).unwrap_or(10);
            xtask::bench::bench(seconds)
        }
        Some("soak") => {
            let minutes = args.get(1).and_then(|s| s.parse().ok()).unwrap_or(10);
            xtask::bench::soak(minutes)
        }
        Some("fuzz-api") => {
            let examples = args.get(1).and_then(|s| s.parse().ok()).unwrap_or(250);
            fuzz_api_long(examples)
        }
        Some("fuzz-parsers") => {
            let seconds = args.get(1).and_then(|s| s.parse().ok()).unwrap_or(60);
            xtask::fuzz_parsers::run(seconds)
        }
        Some("bench-pumping") => {
            let scale = args.get(1).and_then(|s| s.parse().ok()).unwrap_or(10);
            xtask::bench::pumping(scale)
        }
        Some("cpu-profile") => match args.get(1) {
            Some(list) => xtask::bench::parse_endpoints(list).and_then(|endpoints| {
                let seconds = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(10);
                xtask::bench::cpu_profile(&endpoints, seconds)
            }),
            None => Err("usage: cargo xtask cpu-profile ENDPOINT[,ENDPOINT..]|all [SECONDS]".into()),
        },
        Some("bench-startup") => {
            let rounds = args.get(1).and_then(|s| s.parse().ok()).unwrap_or(7);
            xtask::bench::bench_startup(rounds)
        }
        Some("bench-gateway") => {
            let seconds = args.get(1).and_then(|s| s.parse().ok()).unwrap_or(10);
            xtask::bench_gateway::bench(seconds)
        }
        Some("bench-search") => {
            let users = args
                .get(1)
                .and_then(|s| s.parse().ok())
                .unwrap_or(1_000_000);
            xtask::bench_search::bench(users)
        }
        Some("capacity") => {
            let users = args.get(1).and_then(|s| s.parse().ok()).unwrap_or(20_000);
            xtask::capacity::capacity(users)
        }
        Some("bench-signing") => {
            let rounds = args.get(1).and_then(|s| s.parse().ok()).unwrap_or(40);
            xtask::bench_signing::bench(rounds)
        }
        Some("check-docs") => xtask::docs_check::check(),
        Some("compose-worker") => xtask::compose_worker::run(),
        Some("build-worker") => build_worker::build_worker(args.iter().any(|a| a == "--force")),
        Some("help") | Some("--help") | Some("-h") | None => {
            println!("{HELP}");
            Ok(())
        }
        Some(other) => Err(format!("unknown command {other:?}\n\n{HELP}")),
    };
    if let Err(message) = result {
        eprintln!("\nerror: {message}");
        std::process::exit(1);
    }
}

/// The long API fuzz run: its own stack, a worker of its own, `examples` per operation.
fn fuzz_api_long(examples: u32) -> xtask::Result<()> {
    proc::catch_interrupts();
    toolchain::setup()?;
    let mut stack = Stack::start_backends(StackLayout::fuzz(), devvars::random_token(24))?;
    let result = tiers::fuzz_api(&mut stack, examples);
    stack.shutdown();
    result
}

fn dev() -> xtask::Result<()> {
    proc::catch_interrupts();
    toolchain::setup()?;
    let vars = devvars::ensure()?;
    let token = vars["REDIS_REST_TOKEN"].clone();
    let mut stack = Stack::start_backends(StackLayout::dev(), token)?;
    build_worker::build_worker(false)?;
    let mut worker_vars = vars.clone();
    // Codes go to this console: the one place they may be printed.
    worker_vars
        .entry("SMS_PROVIDER".into())
        .or_insert_with(|| "console".into());
    let origin = stack.layout.worker_url().replace("127.0.0.1", "localhost");
    for (key, value) in devvars::local_passkeys(&origin) {
        worker_vars.entry(key).or_insert(value);
    }
    stack.start_worker(worker_vars, true)?;
    let p = &stack.layout;
    println!(
        "\nphone-auth is running at {}\n  GET {0}/health  GET {0}/ready\n  Redis REST gateway: {}\n  \
         Postgres (direct): {}\n  Postgres (PgBouncer, the Hyperdrive binding): {}\nPress Ctrl-C to stop.",
        p.worker_url(),
        p.gateway_url(),
        p.database_url(),
        p.pooler_url()
    );
    let stopped_by = loop {
        if proc::interrupted() {
            break None;
        }
        if let Some(name) = stack.exited_child() {
            break Some(name);
        }
        std::thread::sleep(Duration::from_millis(200));
    };
    stack.shutdown();
    match stopped_by {
        None => Ok(()),
        Some(name) => Err(format!(
            "{name} exited unexpectedly; everything else was stopped"
        )),
    }
}

fn run_wrangler(args: &[String]) -> xtask::Result<()> {
    let status = toolchain::wrangler()
        .args(args)
        .status()
        .map_err(|e| format!("cannot run wrangler ({e}); run `cargo xtask setup`"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("wrangler exited with {status}"))
    }
}
