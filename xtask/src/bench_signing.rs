//! `cargo xtask bench-signing [ROUNDS]`: ES256 signing in the worker, WebCrypto against the
//! pure-Rust p256 signer, in one run on one workerd.
//!
//! A worker's clock stands still while it computes, so timing happens outside: each request to
//! the bench route signs N tokens with one signer, and the cost of a token is the median time of
//! N=64 requests minus the median of N=0 requests (same route, same key handling), over 64. The
//! bench bundle is built with the `bench` feature into `build-bench/`; the deployed bundle never
//! contains the route or the p256 signer.

use crate::proc::{self, note, step};
use crate::stack::net;
use crate::stack::worker::{Instance, RunningWorker};
use crate::{root, toolchain};
use std::collections::BTreeMap;
use std::process::Command;
use std::time::{Duration, Instant};

const TOKENS: usize = 64;

pub fn bench(rounds: usize) -> crate::Result<()> {
    toolchain::setup()?;
    step("bench-signing: building the bench bundle (feature `bench`) into build-bench/");
    let mut build = Command::new(toolchain::cargo_bin("worker-build"));
    build
        .args([
            "--release",
            "--out-dir",
            "build-bench",
            "--",
            "--features",
            "bench",
        ])
        .current_dir(root());
    for (name, value) in toolchain::worker_build_env() {
        build.env(name, value);
    }
    proc::run(&mut build, "the bench bundle must build")?;

    let dir = root().join(".stack/bench");
    std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
    let config = dir.join("wrangler.toml");
    let main = root().join("build-bench/index.js");
    std::fs::write(
        &config,
        format!(
            "name = \"phone-auth-bench\"\nmain = \"{}\"\ncompatibility_date = \"2026-04-01\"\n",
            main.display()
        ),
    )
    .map_err(|e| e.to_string())?;
    let key = auth_ops::keygen::generate(Some("bench"))?;
    let [port, inspector_port] = crate::stack::net::free_ports()?;
    let worker = RunningWorker::start(Instance {
        name: "bench".into(),
        port,
        inspector_port,
        dir: dir.clone(),
        vars: BTreeMap::from([("JWT_SIGNING_KEY".to_owned(), key.pem)]),
        hyperdrive_url: "postgres://unused:unused@127.0.0.1:1/unused".into(),
        inherit_output: false,
        config: Some(config),
    })?;

    let mut results = Vec::new();
    for signer in ["webcrypto", "rust"] {
        step(&format!(
            "bench-signing: {signer}, {rounds} rounds of 0 and {TOKENS} tokens"
        ));
        let time = |n: usize| -> crate::Result<Duration> {
            let path = format!("/__bench/sign?signer={signer}&n={n}");
            let started = Instant::now();
            match net::http_get(port, &path, Duration::from_secs(30)) {
                Ok((200, _)) => Ok(started.elapsed()),
                Ok((status, body)) => Err(format!("{path} answered {status}: {body}")),
                Err(e) => Err(format!("{path}: {e}")),
            }
        };
        for _ in 0..5 {
            time(TOKENS)?; // warm the isolate and the key import
        }
        let (mut base, mut full) = (Vec::new(), Vec::new());
        for _ in 0..rounds {
            // Interleaved, so drift on a noisy machine hits both alike.
            base.push(time(0)?);
            full.push(time(TOKENS)?);
        }
        let per_token_ms = (median(&mut full) - median(&mut base)).max(0.0) / TOKENS as f64;
        note(&format!("{per_token_ms:.4} ms per token"));
        results.push((signer, per_token_ms));
    }
    drop(worker);

    println!("\n| signer | ms per token (median of {rounds} rounds) |\n|---|---:|");
    for (signer, ms) in &results {
        println!("| {signer} | {ms:.4} |");
    }
    let (webcrypto, rust) = (results[0].1, results[1].1);
    if webcrypto > 0.0 {
        println!(
            "WebCrypto signs {:.1}x faster than pure-Rust p256 in this run",
            rust / webcrypto
        );
    }
    println!(
        "goal: at most 0.1 ms per token with WebCrypto: {}",
        if webcrypto <= 0.1 { "met" } else { "NOT met" }
    );
    Ok(())
}

fn median(samples: &mut [Duration]) -> f64 {
    samples.sort();
    samples[samples.len() / 2].as_secs_f64() * 1000.0
}
