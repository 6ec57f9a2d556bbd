//! `cargo xtask bench-startup [ROUNDS]`: how long a cold workerd takes to its first answers
//! (issue 16, point 4): `/health` and a login of the real worker, each as the first request of
//! a fresh process (wasm compile, instantiate, configuration, and for the login the first
//! Hyperdrive connection and the signing key's import), beside the first answer of the
//! smallest wasm worker of the same toolchain (`bench/trivial-worker`). Plain workerd, on the
//! bench's stack; the median of ROUNDS cold starts of each.

use super::worker_vars::{test_number, TEST_CODE};
use super::workerd::{PlainWorkerd, Pooler, Prepared};
use crate::proc::{note, step};
use crate::stack::{net, Stack, StackLayout};
use crate::{build_worker, devvars, root, toolchain};
use std::time::{Duration, Instant};

/// The medians of one run, in milliseconds from starting workerd to the answer.
pub struct Startup {
    pub trivial_ms: f64,
    pub health_ms: f64,
    pub login_ms: f64,
}

pub fn bench_startup(rounds: usize) -> crate::Result<()> {
    crate::proc::catch_interrupts();
    toolchain::setup()?;
    build_worker::build_worker(false)?;
    let trivial_script = build_worker::build_trivial_worker()?;
    let layout = StackLayout::bench();
    let token = devvars::random_token(24);
    let mut stack = Stack::start_backends(layout.clone(), token.clone())?;
    let result = measure(&layout, &token, &trivial_script, rounds);
    stack.shutdown();
    let s = result?;
    println!(
        "\n== start-up on plain workerd, median of {rounds} cold starts each\n\
         | first answer | ms | x the trivial worker |\n|---|---:|---:|\n\
         | trivial wasm worker | {:.0} | 1.00 |\n\
         | /health | {:.0} | {:.2} |\n\
         | login | {:.0} | {:.2} |",
        s.trivial_ms,
        s.health_ms,
        s.health_ms / s.trivial_ms,
        s.login_ms,
        s.login_ms / s.trivial_ms,
    );
    Ok(())
}

fn measure(
    layout: &StackLayout,
    token: &str,
    trivial_script: &std::path::Path,
    rounds: usize,
) -> crate::Result<Startup> {
    let vars = super::plain_worker_vars(layout, token)?;
    let pooler = Pooler::of(layout);
    let script = root().join("build/index.js");
    let log = |name: &str| layout.dir.join(format!("startup-{name}.log"));
    let [warm_port] = net::free_ports::<1>()?;
    // A warm worker of the same settings sends each round's code, so the cold worker's first
    // request is the login itself.
    let warm = PlainWorkerd::start(&script, warm_port, &vars, Some(&pooler), &log("warm"))?;
    let (mut trivial, mut health, mut login) = (Vec::new(), Vec::new(), Vec::new());
    for round in 0..rounds {
        step(&format!("bench-startup: round {} of {rounds}", round + 1));
        let [port] = net::free_ports::<1>()?;
        let cold = PlainWorkerd::prepare(
            trivial_script,
            port,
            &Default::default(),
            None,
            &log("trivial"),
        )?;
        trivial.push(first_answer(cold, &|p| net::http_get(p, "/", TIMEOUT))?);

        let [port] = net::free_ports::<1>()?;
        let cold = PlainWorkerd::prepare(&script, port, &vars, Some(&pooler), &log("health"))?;
        health.push(first_answer(cold, &|p| {
            net::http_get(p, "/health", TIMEOUT)
        })?);

        let phone = test_number(round % super::MAX_CONNECTIONS);
        let send = format!(r#"{{"phone_number":"{phone}"}}"#);
        let (status, sent) =
            net::http_post_json(warm_port, "/api/v1/auth/send-otp", &send, TIMEOUT)
                .map_err(|e| format!("send-otp on the warm worker: {e}"))?;
        let session = serde_json::from_str::<serde_json::Value>(&sent)
            .ok()
            .and_then(|v| v["session_id"].as_str().map(str::to_owned))
            .ok_or_else(|| format!("send-otp answered {status}: {sent}"))?;
        let body =
            format!(r#"{{"phone_number":"{phone}","otp":"{TEST_CODE}","session_id":"{session}"}}"#);
        let [port] = net::free_ports::<1>()?;
        let cold = PlainWorkerd::prepare(&script, port, &vars, Some(&pooler), &log("login"))?;
        login.push(first_answer(cold, &|p| {
            net::http_post_json(p, "/api/v1/auth/login", &body, TIMEOUT)
        })?);
        note(&format!(
            "trivial {:.0} ms, /health {:.0} ms, login {:.0} ms",
            trivial[round], health[round], login[round]
        ));
    }
    drop(warm);
    Ok(Startup {
        trivial_ms: median(trivial),
        health_ms: median(health),
        login_ms: median(login),
    })
}

const TIMEOUT: Duration = Duration::from_secs(10);

/// Starts `cold` and asks until the first answer: milliseconds from the start to a 200 (a
/// refused connection means workerd is not listening yet and is asked again 2 ms later).
fn first_answer(
    cold: Prepared,
    ask: &dyn Fn(u16) -> std::io::Result<(u16, String)>,
) -> crate::Result<f64> {
    let started = Instant::now();
    let mut worker = cold.spawn()?;
    loop {
        match ask(worker.port) {
            Ok((200, _)) => return Ok(started.elapsed().as_secs_f64() * 1000.0),
            Ok((status, body)) => return Err(format!("the first answer was {status}: {body}")),
            Err(_) if started.elapsed() < Duration::from_secs(60) => {
                worker.alive()?;
                std::thread::sleep(Duration::from_millis(2));
            }
            Err(e) => return Err(format!("no answer within 60 s: {e}")),
        }
    }
}

fn median(mut samples: Vec<f64>) -> f64 {
    samples.sort_by(f64::total_cmp);
    samples[samples.len() / 2]
}
