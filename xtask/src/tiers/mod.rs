//! `cargo xtask test`: every test tier, against a real stack, with a summary at the end.
//!
//! Tiers, in order:
//! 1. lint: `cargo fmt --check`, clippy with `-D warnings` on native and wasm32, the fuzz
//!    targets built (`cargo check`), the compose file and the documents checked against the
//!    tree;
//! 2. native: unit tests and the integration tests of the adapters and the gateway against the
//!    test stack's PostgreSQL, PgBouncer and Redis (each test makes its own database or key prefix);
//! 3. wasm: core and adapters compiled to wasm32 and run under Node by wasm-bindgen-test;
//! 4. conformance: the official `@upstash/redis` client against the gateway;
//! 5. e2e: HTTP against the worker under `wrangler dev`, with backend fault tests (one region,
//!    no `DATA_REGIONS`: today's deployment);
//! 6. regions: a worker over two data regions, the test stack and a second stack of its own:
//!    rows per region, poolers reached, the merged admin listing, one region's faults;
//! 7. fuzz: Schemathesis against the served OpenAPI document (no 5xx, no undocumented answer);
//! 8. cluster: a Redis Cluster of its own (three masters, a replica each) behind the gateway:
//!    the OTP store's contract, `@upstash/redis`, and a master killed under a stream of sends;
//! 9. citus: a coordinator and two workers of its own: the account store's contract, every
//!    statement's plan, a migration after distribution (Citus is built from `CITUS_SOURCE`
//!    when missing).
//!
//! A tier that fails does not stop the later ones that can still run, so one run reports every
//! broken tier; the exit status is non-zero when any failed.

mod citus;
mod redis_cluster;
mod regions;
mod worker;

pub use worker::fuzz_api;

use crate::proc::{self, step};
use crate::stack::{Stack, StackLayout};
use crate::{devvars, root, toolchain};
use std::process::Command;
use std::time::Instant;

struct Outcome {
    tier: &'static str,
    ok: bool,
    /// The tier could not run here and said why (never in CI, where that is a failure).
    skipped: bool,
    seconds: f64,
    detail: String,
}

/// The error text of a tier that cannot run on this machine, outside CI.
pub const SKIPPED: &str = "skipped: ";

/// Runs the tiers. `only` limits the run to the named tiers (all when empty); `e2e_args` are
/// passed to the end-to-end test binaries (a test name filter, for example).
pub fn test(only: &[String], e2e_args: &[String]) -> crate::Result<()> {
    test_with(only, e2e_args, &[])
}

/// [`test`], with `extra_env` set for the end-to-end test binaries (a longer run's settings).
pub fn test_with(
    only: &[String],
    e2e_args: &[String],
    extra_env: &[(String, String)],
) -> crate::Result<()> {
    let started = Instant::now();
    proc::catch_interrupts();
    toolchain::setup()?;
    let mut outcomes = Vec::new();
    let wanted = |tier: &str| only.is_empty() || only.iter().any(|t| t == tier);
    let mut record = |tier: &'static str, run: &mut dyn FnMut() -> crate::Result<()>| {
        if !wanted(tier) {
            return;
        }
        let t = Instant::now();
        let result = run();
        let skipped = result.as_ref().is_err_and(|e| e.starts_with(SKIPPED));
        match &result {
            Err(e) if skipped => println!("-- tier {tier} {e}"),
            Err(e) => println!("!! tier {tier} failed: {e}"),
            Ok(()) => {}
        }
        outcomes.push(Outcome {
            tier,
            ok: result.is_ok(),
            skipped,
            seconds: t.elapsed().as_secs_f64(),
            detail: result.err().unwrap_or_default(),
        });
    };

    record("lint", &mut lint);

    let layout = StackLayout::test();
    let token = devvars::random_token(24);
    let stack_tiers = ["native", "wasm", "conformance", "e2e", "regions", "fuzz"];
    let stack = if stack_tiers.iter().any(|t| wanted(t)) {
        Some(Stack::start_backends(layout.clone(), token.clone()))
    } else {
        None
    };
    match stack {
        None => {}
        Some(Err(e)) => {
            println!("!! the test stack did not start: {e}");
            for tier in stack_tiers {
                record(tier, &mut || Err("stack did not start".into()));
            }
        }
        Some(Ok(mut stack)) => {
            let mut env = test_env(&layout, &token);
            env.extend_from_slice(extra_env);
            record("native", &mut || native(&env));
            record("wasm", &mut || wasm(&env));
            record("conformance", &mut || conformance(&env));
            record("e2e", &mut || worker::e2e(&mut stack, &env, e2e_args));
            record("regions", &mut || regions::regions(&stack, &env));
            // After e2e: the fuzzer's traffic must not disturb the exact counts e2e checks.
            record("fuzz", &mut || worker::fuzz(&mut stack));
            stack.shutdown();
        }
    }
    // Last: clusters of their own, apart from the test stack.
    record("cluster", &mut redis_cluster::redis_cluster);
    record("citus", &mut citus::citus);

    println!(
        "\n== test tiers ({:.0}s in all)",
        started.elapsed().as_secs_f64()
    );
    for o in &outcomes {
        let mark = match (o.ok, o.skipped) {
            (true, _) => "ok  ",
            (false, true) => "skip",
            (false, false) => "FAIL",
        };
        println!("  {mark} {:<12} {:>6.1}s  {}", o.tier, o.seconds, o.detail);
    }
    let passed = outcomes.iter().filter(|o| o.ok).count();
    let skipped = outcomes.iter().filter(|o| o.skipped).count();
    let failed = outcomes.len() - passed - skipped;
    if skipped > 0 {
        println!("tiers: {passed} passed, {failed} failed, {skipped} skipped");
    } else {
        println!("tiers: {passed} passed, {failed} failed");
    }
    if failed > 0 {
        return Err(format!("{failed} test tier(s) failed"));
    }
    Ok(())
}

/// Variables the test binaries read to find the stack.
pub(super) fn test_env(p: &StackLayout, token: &str) -> Vec<(String, String)> {
    vec![
        ("TEST_DATABASE_URL".into(), p.database_url()),
        ("TEST_POOLER_URL".into(), p.pooler_url()),
        ("TEST_REDIS_URL".into(), p.redis_url()),
        ("TEST_GATEWAY_URL".into(), p.gateway_url()),
        ("TEST_GATEWAY_TOKEN".into(), token.to_owned()),
        ("E2E_STACK".into(), p.name.to_owned()),
        ("E2E_BASE_URL".into(), p.worker_url()),
        (
            "E2E_WORKER_DIR".into(),
            p.dir.join("worker").display().to_string(),
        ),
    ]
}

fn cargo(args: &[&str]) -> Command {
    let mut cmd = Command::new("cargo");
    cmd.args(args).current_dir(root());
    cmd
}

fn lint() -> crate::Result<()> {
    step("tier lint: rustfmt, clippy (native and wasm32), the fuzz targets, the compose file, the documents");
    proc::run(
        &mut cargo(&["fmt", "--all", "--", "--check"]),
        "run `cargo fmt --all`",
    )?;
    // Native for everything but the worker (wasm-only); wasm32 for the worker and the crates it
    // links; and the signing benchmark's feature, never deployed but built cleanly.
    let runs: [(&[&str], &str); 3] = [
        (
            &[
                "--workspace",
                "--all-targets",
                "--exclude",
                "phone-auth-worker",
            ],
            "",
        ),
        (
            &[
                "--target",
                "wasm32-unknown-unknown",
                "--all-targets",
                "-p",
                "phone-auth-worker",
                "-p",
                "auth-core",
                "-p",
                "auth-adapters",
            ],
            " (wasm32)",
        ),
        (
            &[
                "--target",
                "wasm32-unknown-unknown",
                "-p",
                "phone-auth-worker",
                "--features",
                "bench",
            ],
            " (wasm32, bench feature)",
        ),
    ];
    for (args, what) in runs {
        let mut command = cargo(&["clippy"]);
        command.args(args).args(["--", "-D", "warnings"]);
        proc::run(
            &mut command,
            &format!("fix the clippy findings above{what}"),
        )?;
    }
    // The cargo-fuzz targets are a workspace of their own, which no other run builds: a change
    // to a parser's signature would break them unseen until someone fuzzes. Checked (not
    // instrumented) in a target directory of their own, so the product's builds are untouched.
    let fuzz_target = root().join("target").join("fuzz-check");
    proc::run(
        cargo(&[
            "check",
            "--locked",
            "--manifest-path",
            "fuzz/Cargo.toml",
            "--bins",
        ])
        .arg("--target-dir")
        .arg(&fuzz_target),
        "fix the fuzz targets (fuzz/fuzz_targets/): a parser they call has changed",
    )?;
    crate::compose::check()?;
    crate::docs_check::check()
}

fn native(env: &[(String, String)]) -> crate::Result<()> {
    step("tier native: unit and integration tests against PostgreSQL, PgBouncer and Redis");
    // Every test binary runs even after one fails, so one run reports every broken test.
    proc::run(
        cargo(&[
            "test",
            "--no-fail-fast",
            "--workspace",
            "--exclude",
            "phone-auth-worker",
            "--exclude",
            "e2e",
        ])
        .envs(env.iter().cloned()),
        "see the failing tests above",
    )
}

fn wasm(env: &[(String, String)]) -> crate::Result<()> {
    step("tier wasm: core and adapters on wasm32 under Node (wasm-bindgen-test)");
    proc::run(
        cargo(&[
            "test",
            "--target",
            "wasm32-unknown-unknown",
            "-p",
            "auth-core",
            "-p",
            "auth-adapters",
        ])
        .env(
            "CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER",
            toolchain::cargo_bin("wasm-bindgen-test-runner"),
        )
        .envs(env.iter().cloned()),
        "see the failing tests above",
    )
}

fn conformance(env: &[(String, String)]) -> crate::Result<()> {
    step("tier conformance: @upstash/redis against the gateway");
    proc::run(
        Command::new("node")
            .args(["--test", "tests/conformance/"])
            .current_dir(root())
            .envs(env.iter().cloned()),
        "see the failing conformance tests above",
    )
}
