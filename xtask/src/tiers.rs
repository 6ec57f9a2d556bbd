//! `cargo xtask test`: every test tier, against a real stack, with a summary at the end.
//!
//! Tiers, in order:
//! 1. lint: `cargo fmt --check`, clippy with `-D warnings` on native and wasm32;
//! 2. native: unit tests and the integration tests of the adapters and the gateway against the
//!    test stack's PostgreSQL, PgBouncer and Redis (each test makes its own database or key prefix);
//! 3. wasm: core and adapters compiled to wasm32 and run under Node by wasm-bindgen-test;
//! 4. conformance: the official `@upstash/redis` client against the gateway;
//! 5. e2e: HTTP against the worker under `wrangler dev`, with backend fault tests;
//! 6. fuzz: Schemathesis against the served OpenAPI document (no 5xx, no undocumented answer).
//!
//! A tier that fails does not stop the later ones that can still run, so one run reports every
//! broken tier; the exit status is non-zero when any failed.

use crate::proc::{self, step};
use crate::stack::{Profile, Stack};
use crate::{build_worker, devvars, root, toolchain};
use std::process::Command;
use std::time::Instant;

struct Outcome {
    tier: &'static str,
    ok: bool,
    seconds: f64,
    detail: String,
}

/// Runs the tiers. `only` limits the run to the named tiers (all when empty); `e2e_args` are
/// passed to the end-to-end test binaries (a test name filter, for example).
pub fn test(only: &[String], e2e_args: &[String]) -> crate::Result<()> {
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
        if let Err(e) = &result {
            println!("!! tier {tier} failed: {e}");
        }
        outcomes.push(Outcome {
            tier,
            ok: result.is_ok(),
            seconds: t.elapsed().as_secs_f64(),
            detail: result.err().unwrap_or_default(),
        });
    };

    record("lint", &mut lint);

    let profile = Profile::test();
    let token = devvars::random_token(24);
    let stack = Stack::start_backends(profile.clone(), token.clone());
    match stack {
        Err(e) => {
            println!("!! the test stack did not start: {e}");
            for tier in ["native", "wasm", "conformance", "e2e", "fuzz"] {
                outcomes.push(Outcome {
                    tier,
                    ok: false,
                    seconds: 0.0,
                    detail: "stack did not start".into(),
                });
            }
        }
        Ok(mut stack) => {
            let env = test_env(&profile, &token);
            record("native", &mut || native(&env));
            record("wasm", &mut || wasm(&env));
            record("conformance", &mut || conformance(&env));
            record("e2e", &mut || e2e(&mut stack, &env, e2e_args));
            // After e2e: the fuzzer's traffic must not disturb the exact counts e2e checks.
            record("fuzz", &mut || fuzz(&mut stack));
            stack.shutdown();
        }
    }

    println!(
        "\n== test tiers ({:.0}s in all)",
        started.elapsed().as_secs_f64()
    );
    for o in &outcomes {
        let mark = if o.ok { "ok  " } else { "FAIL" };
        println!("  {mark} {:<12} {:>6.1}s  {}", o.tier, o.seconds, o.detail);
    }
    let passed = outcomes.iter().filter(|o| o.ok).count();
    let failed = outcomes.len() - passed;
    println!("tiers: {passed} passed, {failed} failed");
    if failed > 0 {
        return Err(format!("{failed} test tier(s) failed"));
    }
    Ok(())
}

/// Variables the test binaries read to find the stack.
fn test_env(p: &Profile, token: &str) -> Vec<(String, String)> {
    vec![
        ("TEST_DATABASE_URL".into(), p.database_url()),
        ("TEST_POOLER_URL".into(), p.pooler_url()),
        ("TEST_REDIS_URL".into(), p.redis_url()),
        ("TEST_GATEWAY_URL".into(), p.gateway_url()),
        ("TEST_GATEWAY_TOKEN".into(), token.to_owned()),
        ("E2E_PROFILE".into(), p.name.to_owned()),
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
    step("tier lint: rustfmt and clippy (native and wasm32)");
    proc::run(
        &mut cargo(&["fmt", "--all", "--", "--check"]),
        "run `cargo fmt --all`",
    )?;
    proc::run(
        &mut cargo(&[
            "clippy",
            "--workspace",
            "--all-targets",
            "--exclude",
            "phone-auth-worker",
            "--",
            "-D",
            "warnings",
        ]),
        "fix the clippy findings above",
    )?;
    proc::run(
        &mut cargo(&[
            "clippy",
            "--target",
            "wasm32-unknown-unknown",
            "--all-targets",
            "-p",
            "phone-auth-worker",
            "-p",
            "auth-core",
            "-p",
            "auth-adapters",
            "--",
            "-D",
            "warnings",
        ]),
        "fix the clippy findings above (wasm32)",
    )?;
    // The signing benchmark's feature is never deployed; it must still build cleanly.
    proc::run(
        &mut cargo(&[
            "clippy",
            "--target",
            "wasm32-unknown-unknown",
            "-p",
            "phone-auth-worker",
            "--features",
            "bench",
            "--",
            "-D",
            "warnings",
        ]),
        "fix the clippy findings above (wasm32, bench feature)",
    )?;
    crate::compose::check()
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

/// The test worker's settings: fresh secrets, codes delivered to the tests' signed-webhook
/// receiver, and a key prefix of its own so runs never share Redis state.
fn e2e_worker_vars(p: &Profile) -> crate::Result<std::collections::BTreeMap<String, String>> {
    let mut vars = devvars::fresh()?;
    vars.insert("SMS_PROVIDER".into(), "webhook".into());
    vars.insert(
        "SMS_WEBHOOK_URL".into(),
        format!("http://127.0.0.1:{}/sms", p.webhook_port),
    );
    vars.insert(
        "SMS_WEBHOOK_SECRET".into(),
        format!("whsec_{}", devvars::random_base64(24)),
    );
    vars.insert(
        "REDIS_KEY_PREFIX".into(),
        format!("e2e-{}:", devvars::random_token(6)),
    );
    // One fixed test number, for the fuzzer's login (e2e never uses it).
    vars.insert(
        "OTP_TEST_NUMBERS".into(),
        format!(
            "{}={}",
            crate::fuzz_api::TEST_NUMBER,
            crate::fuzz_api::TEST_CODE
        ),
    );
    Ok(vars)
}

/// A worker of its own for the fuzzer, on free ports: codes go to its console (no receiver runs
/// after e2e), and nothing the fuzzer does can touch the e2e worker's state.
fn fuzz(stack: &mut Stack) -> crate::Result<()> {
    step("tier fuzz: Schemathesis against the worker's OpenAPI document");
    fuzz_api(stack, FUZZ_EXAMPLES)
}

/// Examples per operation and phase in the test command (about 650 cases, a minute or two);
/// `cargo xtask fuzz-api` runs more.
const FUZZ_EXAMPLES: u32 = 30;

/// Schemathesis with `examples` per operation against a worker of its own on `stack`.
pub fn fuzz_api(stack: &mut Stack, examples: u32) -> crate::Result<()> {
    build_worker::build_worker(false)?;
    let p = &stack.profile;
    let mut vars = e2e_worker_vars(p)?;
    vars.insert("SMS_PROVIDER".into(), "console".into());
    vars.extend(crate::stack::worker::stack_vars(p, &stack.gateway_token));
    let free = || {
        std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map(|a| a.port())
            .map_err(|e| e.to_string())
    };
    let worker = crate::stack::worker::RunningWorker::start(crate::stack::worker::Instance {
        name: "fuzz".into(),
        port: free()?,
        inspector_port: free()?,
        dir: p.dir.join("worker-fuzz"),
        vars,
        hyperdrive_url: p.pooler_url(),
        inherit_output: false,
        config: None,
    })?;
    crate::fuzz_api::run(worker.instance.port, examples)
}

fn e2e(stack: &mut Stack, env: &[(String, String)], args: &[String]) -> crate::Result<()> {
    step("tier e2e: the worker under wrangler dev");
    build_worker::build_worker(false)?;
    stack.start_worker(e2e_worker_vars(&stack.profile)?, false)?;
    // Every binary runs even after one fails (--no-fail-fast), so one run reports every broken
    // flow. One test thread: the fault tests stop shared backends, which would fail tests
    // running beside them.
    proc::run(
        cargo(&[
            "test",
            "--no-fail-fast",
            "-p",
            "e2e",
            "--",
            "--test-threads=1",
        ])
        .args(args)
        .envs(env.iter().cloned()),
        "see the failing tests above and .stack/test/wrangler.log",
    )
}
