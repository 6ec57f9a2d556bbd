//! `cargo xtask soak [MINUTES]`: mixed load (profile, refresh, JWKS, send-otp + login) at a
//! steady rate on the bench stack, against the worker under `wrangler dev` and on plain workerd
//! at once, with each runtime's memory (the resident set of the workerd that runs the worker)
//! sampled every 10 s; reports the trend per runtime and fails on any error.

use super::endpoints::Endpoint;
use super::workerd::{PlainWorkerd, Pooler};
use super::{bench_vars, load};
use crate::proc::{note, step};
use crate::stack::procs;
use crate::stack::procs::{user_runtime, wrangler_tree};
use crate::stack::{Stack, StackLayout};
use crate::{build_worker, devvars, toolchain};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Mixed requests per second: steady, well under saturation, so memory, not overload, shows.
const RATE: f64 = 40.0;
const SAMPLE_EVERY: Duration = Duration::from_secs(10);

pub fn soak(minutes: u64) -> crate::Result<()> {
    crate::proc::catch_interrupts();
    toolchain::setup()?;
    build_worker::build_worker(false)?;
    let profile = StackLayout::bench();
    let token = devvars::random_token(24);
    let mut stack = Stack::start_backends(profile.clone(), token.clone())?;
    let vars = bench_vars()?;
    stack.start_worker(vars.clone(), false)?;
    // The workerd that runs the worker (not wrangler's forwarding one).
    let wrangler_pid = user_runtime(&wrangler_tree(profile.worker_port)?)
        .ok_or("the workerd that runs the worker was not found")?;
    // The same bundle on plain workerd, with OTP state of its own (another key prefix), so the
    // two loads never take each other's codes.
    let mut plain_vars = vars;
    plain_vars.extend(crate::stack::worker::stack_vars(&profile, &token));
    plain_vars.insert(
        "REDIS_KEY_PREFIX".into(),
        format!("soak-plain-{}:", devvars::random_token(6)),
    );
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .map_err(|e| e.to_string())?;
    let plain = PlainWorkerd::start(
        &crate::root().join("build/index.js"),
        port,
        &plain_vars,
        Some(&Pooler::of(&profile)),
        &profile.dir.join("soak-workerd.log"),
    )?;
    let runtimes = [
        ("wrangler dev", profile.worker_port, wrangler_pid),
        ("plain workerd", plain.port, plain.pid()),
    ];

    let samples = Arc::new(Mutex::new(Vec::<(usize, f64, u64)>::new()));
    let done = Arc::new(AtomicBool::new(false));
    let sampler = {
        let (samples, done) = (samples.clone(), done.clone());
        let pids: Vec<(usize, u32, &'static str)> = runtimes
            .iter()
            .enumerate()
            .map(|(i, r)| (i, r.2, r.0))
            .collect();
        std::thread::spawn(move || {
            let started = Instant::now();
            while !done.load(Ordering::Relaxed) {
                let minute = started.elapsed().as_secs_f64() / 60.0;
                let mut line = format!("{minute:5.1} min:");
                for (i, pid, name) in &pids {
                    if let Some(kib) = procs::rss_kib(*pid) {
                        samples.lock().unwrap().push((*i, minute, kib));
                        line += &format!(" {name} {:.1} MiB", kib as f64 / 1024.0);
                    }
                }
                note(&line);
                std::thread::sleep(SAMPLE_EVERY);
            }
        })
    };
    step(&format!(
        "soak: {RATE} mixed requests/s to each runtime for {minutes} min (profile, refresh, JWKS, send-otp + login)"
    ));
    let length = Duration::from_secs(minutes * 60);
    let loads: Vec<_> = runtimes
        .iter()
        .map(|&(_, port, _)| {
            std::thread::spawn(move || load::fixed_rate(Endpoint::Mixed, port, RATE, length, 16))
        })
        .collect();
    let results: Vec<_> = loads
        .into_iter()
        .map(|l| {
            l.join()
                .unwrap_or_else(|_| Err("the load thread panicked".into()))
        })
        .collect();
    done.store(true, Ordering::Relaxed);
    let _ = sampler.join();
    drop(plain);
    stack.shutdown();
    let points = samples.lock().unwrap().clone();
    let mut failed = Vec::new();
    for (i, ((name, _, _), result)) in runtimes.iter().zip(results).enumerate() {
        let sample = result?;
        let mine: Vec<(f64, u64)> = points
            .iter()
            .filter(|p| p.0 == i)
            .map(|p| (p.1, p.2))
            .collect();
        println!("\n### {name}");
        report(&sample, &mine);
        if sample.errors > 0 {
            failed.push(format!(
                "{name}: {} of {} requests failed; first: {}",
                sample.errors,
                sample.requests(),
                sample.first_error.unwrap_or_default()
            ));
        }
    }
    if failed.is_empty() {
        Ok(())
    } else {
        Err(failed.join("\n"))
    }
}

fn report(sample: &load::Sample, points: &[(f64, u64)]) {
    println!(
        "\n{} requests, {} errors, p50 {:.2} ms, p99 {:.2} ms",
        sample.requests(),
        sample.errors,
        sample.percentile_ms(50.0),
        sample.percentile_ms(99.0)
    );
    if points.len() < 3 {
        return;
    }
    // Least-squares slopes of resident memory over time: after the first minute's warm-up, and
    // over the second half of the run, where a leak shows and warm-up no longer does.
    let end = points[points.len() - 1].0;
    let slope_from = |from: f64| {
        let warm: Vec<(f64, f64)> = points
            .iter()
            .filter(|(m, _)| *m >= from)
            .map(|&(m, k)| (m, k as f64 / 1024.0))
            .collect();
        let n = warm.len().max(1) as f64;
        let (mx, my) = (
            warm.iter().map(|p| p.0).sum::<f64>() / n,
            warm.iter().map(|p| p.1).sum::<f64>() / n,
        );
        let var: f64 = warm.iter().map(|p| (p.0 - mx).powi(2)).sum();
        warm.iter().map(|p| (p.0 - mx) * (p.1 - my)).sum::<f64>() / var.max(1e-9)
    };
    let (after_warmup, second_half) = (slope_from(1.0), slope_from(end / 2.0));
    let mib = |k: u64| k as f64 / 1024.0;
    let (first, last) = (points[0], points[points.len() - 1]);
    let peak = points.iter().map(|p| p.1).max().unwrap_or(0);
    println!(
        "workerd resident memory: {:.1} MiB at start, {:.1} MiB at the end, peak {:.1} MiB, \
         {} samples; trend {after_warmup:+.2} MiB/min after the first minute, \
         {second_half:+.2} MiB/min over the second half",
        mib(first.1),
        mib(last.1),
        mib(peak),
        points.len()
    );
}
