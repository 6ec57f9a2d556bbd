//! The Redis REST gateway as a child process, built with the speed-oriented native profile.

use super::{net, StackLayout};
use crate::proc::{self, note};
use crate::root;
use std::os::unix::process::CommandExt;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// Where `cargo build --profile native-release -p redis-rest` puts the gateway.
pub fn binary() -> PathBuf {
    root().join("target/native-release/redis-rest")
}

/// Builds the gateway binary (incremental: seconds when nothing changed).
pub fn build() -> crate::Result<()> {
    proc::run(
        Command::new("cargo")
            .args([
                "build",
                "--quiet",
                "--profile",
                "native-release",
                "--package",
                "redis-rest",
            ])
            .current_dir(root()),
        "the gateway must compile",
    )
}

/// Starts the gateway and waits until it listens. Its access log goes to the profile directory.
pub fn start(p: &StackLayout, token: &str) -> crate::Result<Child> {
    net::ensure_free(
        p.gateway_port,
        "the Redis REST gateway",
        &StackLayout::port_var(p.name, "GATEWAY"),
    )?;
    build()?;
    let log_path = p.dir.join("redis-rest.log");
    let log = std::fs::File::create(&log_path)
        .map_err(|e| format!("cannot create {}: {e}", log_path.display()))?;
    spawn(p, token, log)
}

/// Starts the already built gateway again after a fault test stopped it, appending to its log
/// (the cost tests count requests in it). The process is not the caller's to wait for; the
/// stack's shutdown stops whatever serves the gateway port.
pub fn restart(p: &StackLayout, token: &str) -> crate::Result<()> {
    let log_path = p.dir.join("redis-rest.log");
    let log = std::fs::OpenOptions::new()
        .append(true)
        .create(true)
        .open(&log_path)
        .map_err(|e| format!("cannot open {}: {e}", log_path.display()))?;
    spawn(p, token, log).map(drop)
}

fn spawn(p: &StackLayout, token: &str, log: std::fs::File) -> crate::Result<Child> {
    let log_path = p.dir.join("redis-rest.log");
    let redis = (p.redis_url(), "single");
    launch(p.gateway_port, redis, token, log, &log_path)
}

/// Builds and starts a gateway on `port` in front of a Redis Cluster (its seed nodes' URLs,
/// comma-separated), logging to `log_path`.
pub fn start_for_cluster(
    port: u16,
    seeds: &str,
    token: &str,
    log_path: &std::path::Path,
) -> crate::Result<Child> {
    build()?;
    let log = std::fs::File::create(log_path)
        .map_err(|e| format!("cannot create {}: {e}", log_path.display()))?;
    launch(port, (seeds.to_owned(), "cluster"), token, log, log_path)
}

/// Runs the built gateway on `port` in front of `redis` (its URL and `REDIS_REST_MODE`).
fn launch(
    port: u16,
    (redis_url, mode): (String, &str),
    token: &str,
    log: std::fs::File,
    log_path: &std::path::Path,
) -> crate::Result<Child> {
    let err = log.try_clone().map_err(|e| e.to_string())?;
    let child = Command::new(binary())
        .env("REDIS_REST_LISTEN", format!("127.0.0.1:{port}"))
        .env("REDIS_REST_REDIS_URL", redis_url)
        .env("REDIS_REST_MODE", mode)
        .env("REDIS_REST_TOKEN", token)
        .stdin(Stdio::null())
        .stdout(log)
        .stderr(err)
        .process_group(0)
        .spawn()
        .map_err(|e| format!("cannot start the gateway: {e}"))?;
    net::wait_listening(
        port,
        "the Redis REST gateway",
        Duration::from_secs(10),
        &log_path.display().to_string(),
    )?;
    note(&format!("access log: {}", log_path.display()));
    Ok(child)
}
