//! `cargo xtask bench-gateway`: the REST gateway next to plain Redis, in one run.
//!
//! Starts a Redis and a gateway (release build) of its own on free ports, then measures, with the
//! same number of connections:
//! - one `INCR` per request: wrk against `POST /`, redis-benchmark against Redis;
//! - a 3-command pipeline: wrk against `POST /pipeline` with three `INCR`s, redis-benchmark with
//!   `-P 3` (three `INCR`s per round trip).
//!
//! Reports requests/s (for pipelines, round trips/s) and p50/p99 latency, and the gateway's cost as
//! a ratio to Redis measured in the same run. Load runs on loopback only, bounded in time.

use crate::proc::{self, note, step};
use crate::stack::gateway;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

const CONNECTIONS: u32 = 16;

struct Measure {
    label: &'static str,
    per_second: f64,
    p50_ms: f64,
    p99_ms: f64,
    errors: u64,
}

pub fn bench(seconds: u64) -> crate::Result<()> {
    for tool in ["wrk", "redis-benchmark", "redis-server"] {
        if !proc::exists(tool) {
            return Err(format!(
                "{tool} is not installed: `apt-get install wrk redis-tools redis-server`"
            ));
        }
    }
    step("bench-gateway: building the gateway (native-release)");
    gateway::build()?;
    let [redis_port, gateway_port] = crate::stack::net::free_ports()?;
    let token = crate::devvars::random_token(24);
    let _redis = Killed(
        crate::stack::redis::server(redis_port)
            .stdout(Stdio::null())
            .spawn()
            .map_err(|e| format!("cannot start redis-server: {e}"))?,
    );
    crate::stack::net::wait_listening(redis_port, "Redis", Duration::from_secs(10), "its output")?;
    let _gateway = Killed(
        Command::new(gateway::binary())
            .env("REDIS_REST_LISTEN", format!("127.0.0.1:{gateway_port}"))
            .env(
                "REDIS_REST_REDIS_URL",
                format!("redis://127.0.0.1:{redis_port}"),
            )
            .env("REDIS_REST_TOKEN", &token)
            .stdout(Stdio::null())
            .spawn()
            .map_err(|e| format!("cannot start the gateway: {e}"))?,
    );
    crate::stack::net::wait_listening(
        gateway_port,
        "the gateway",
        Duration::from_secs(10),
        "its output",
    )?;

    let dir = std::env::temp_dir().join(format!("bench-gateway-{gateway_port}"));
    std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
    let single = script(&dir, "single.lua", &token, r#"["INCR","bench:gateway"]"#)?;
    let pipeline = script(
        &dir,
        "pipeline.lua",
        &token,
        r#"[["INCR","bench:gateway"],["INCR","bench:gateway"],["INCR","bench:gateway"]]"#,
    )?;
    let url = format!("http://127.0.0.1:{gateway_port}");

    let mut results = Vec::new();
    step(&format!(
        "bench-gateway: redis-benchmark INCR ({CONNECTIONS} connections)"
    ));
    results.push(redis_benchmark("redis INCR", redis_port, seconds, 1)?);
    step(&format!(
        "bench-gateway: gateway INCR, wrk {seconds}s ({CONNECTIONS} connections)"
    ));
    results.push(wrk("gateway INCR", &format!("{url}/"), &single, seconds)?);
    step("bench-gateway: redis-benchmark 3-command pipeline (-P 3)");
    results.push(redis_benchmark(
        "redis pipeline of 3",
        redis_port,
        seconds,
        3,
    )?);
    step(&format!(
        "bench-gateway: gateway /pipeline of 3, wrk {seconds}s"
    ));
    results.push(wrk(
        "gateway pipeline of 3",
        &format!("{url}/pipeline"),
        &pipeline,
        seconds,
    )?);

    println!("\n| what | round trips/s | p50 ms | p99 ms | errors |\n|---|---:|---:|---:|---:|");
    for m in &results {
        println!(
            "| {} | {:.0} | {:.3} | {:.3} | {} |",
            m.label, m.per_second, m.p50_ms, m.p99_ms, m.errors
        );
    }
    for pair in results.chunks(2) {
        let (redis, gw) = (&pair[0], &pair[1]);
        println!(
            "{}: the gateway serves {:.2}x Redis' rate; its p50 is {:.1}x and p99 {:.1}x Redis'",
            gw.label,
            gw.per_second / redis.per_second,
            gw.p50_ms / redis.p50_ms,
            gw.p99_ms / redis.p99_ms
        );
    }
    let errors: u64 = results.iter().map(|m| m.errors).sum();
    if errors > 0 {
        return Err(format!("{errors} requests failed during the benchmark"));
    }
    Ok(())
}

/// Kills a child when dropped, so the benchmark leaves nothing running.
struct Killed(Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn script(dir: &std::path::Path, name: &str, token: &str, body: &str) -> crate::Result<String> {
    let path = dir.join(name);
    let lua = format!(
        "wrk.method = \"POST\"\nwrk.body = '{body}'\nwrk.headers[\"Authorization\"] = \"Bearer {token}\"\n\
         wrk.headers[\"Content-Type\"] = \"application/json\"\n"
    );
    std::fs::write(&path, lua).map_err(|e| e.to_string())?;
    Ok(path.display().to_string())
}

fn wrk(label: &'static str, url: &str, script: &str, seconds: u64) -> crate::Result<Measure> {
    let out = Command::new("wrk")
        .args([
            "-t",
            "2",
            "-c",
            &CONNECTIONS.to_string(),
            "-d",
            &format!("{seconds}s"),
            "--latency",
            "-s",
            script,
            url,
        ])
        .output()
        .map_err(|e| format!("cannot run wrk: {e}"))?;
    let text = String::from_utf8_lossy(&out.stdout);
    let find = |prefix: &str| {
        text.lines()
            .map(str::trim)
            .find(|l| l.starts_with(prefix))
            .and_then(|l| l.split_whitespace().last().map(str::to_owned))
    };
    let per_second = find("Requests/sec:")
        .and_then(|v| v.parse().ok())
        .ok_or_else(|| format!("no rate in wrk output:\n{text}"))?;
    let p50 = find("50%")
        .and_then(|v| duration_ms(&v))
        .ok_or("no p50 in wrk output")?;
    let p99 = find("99%")
        .and_then(|v| duration_ms(&v))
        .ok_or("no p99 in wrk output")?;
    let errors = find("Non-2xx or 3xx responses:")
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
        + text
            .lines()
            .find(|l| l.trim().starts_with("Socket errors"))
            .map(|_| 1)
            .unwrap_or(0);
    note(&format!(
        "{per_second:.0} req/s, p50 {p50:.3} ms, p99 {p99:.3} ms"
    ));
    Ok(Measure {
        label,
        per_second,
        p50_ms: p50,
        p99_ms: p99,
        errors,
    })
}

fn redis_benchmark(
    label: &'static str,
    port: u16,
    seconds: u64,
    pipeline: u32,
) -> crate::Result<Measure> {
    // About as many commands as Redis serves in `seconds`, so both sides run for similar times.
    let requests = (seconds * 40_000 * pipeline as u64).to_string();
    let out = Command::new("redis-benchmark")
        .args([
            "-p",
            &port.to_string(),
            "-c",
            &CONNECTIONS.to_string(),
            "-n",
            &requests,
        ])
        .args(["-P", &pipeline.to_string(), "incr", "bench:redis"])
        .output()
        .map_err(|e| format!("cannot run redis-benchmark: {e}"))?;
    let text = String::from_utf8_lossy(&out.stdout);
    let rate: f64 = text
        .lines()
        .find_map(|l| l.trim().strip_prefix("throughput summary:"))
        .and_then(|l| l.split_whitespace().next())
        .and_then(|v| v.parse().ok())
        .ok_or_else(|| format!("no throughput in redis-benchmark output:\n{text}"))?;
    // The line after the "avg min p50 p95 p99 max" header.
    let lines: Vec<&str> = text.lines().collect();
    let header = lines
        .iter()
        .position(|l| l.contains("p50") && l.contains("p99"))
        .ok_or("no latency summary")?;
    let values: Vec<f64> = lines[header + 1]
        .split_whitespace()
        .filter_map(|v| v.parse().ok())
        .collect();
    if values.len() < 6 {
        return Err(format!("unreadable latency summary: {}", lines[header + 1]));
    }
    // With -P N every command of a round trip is counted; report round trips.
    let per_second = rate / pipeline as f64;
    note(&format!(
        "{per_second:.0} round trips/s, p50 {:.3} ms, p99 {:.3} ms",
        values[2], values[4]
    ));
    Ok(Measure {
        label,
        per_second,
        p50_ms: values[2],
        p99_ms: values[4],
        errors: 0,
    })
}

/// wrk prints durations as `812.00us`, `1.23ms` or `1.01s`.
fn duration_ms(text: &str) -> Option<f64> {
    let (number, factor) = if let Some(n) = text.strip_suffix("us") {
        (n, 0.001)
    } else if let Some(n) = text.strip_suffix("ms") {
        (n, 1.0)
    } else if let Some(n) = text.strip_suffix('s') {
        (n, 1000.0)
    } else {
        return None;
    };
    number.parse::<f64>().ok().map(|v| v * factor)
}

#[cfg(test)]
mod tests {
    use super::duration_ms;

    #[test]
    fn wrk_durations_convert_to_milliseconds() {
        assert_eq!(duration_ms("812.00us"), Some(0.812));
        assert_eq!(duration_ms("1.50ms"), Some(1.5));
        assert_eq!(duration_ms("2.00s"), Some(2000.0));
        assert_eq!(duration_ms("fast"), None);
    }
}
