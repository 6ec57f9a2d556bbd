//! The stack's own Redis, used when `REDIS_URL` is not set. Nothing is persisted: it holds
//! short-lived codes and counters only.

use super::{alive_pid, net, signal, wait_exit, StackLayout};
use crate::proc::{self, note};
use std::process::Command;
use std::time::Duration;

/// `redis-server` on a loopback port, keeping nothing on disk: the one way xtask launches it
/// (as the stack's daemon here, in the foreground for the gateway benchmark). A script past the
/// gateway's deadline is killed by it; Redis acts on the kill after `busy-reply-threshold`.
pub fn server(port: u16) -> Command {
    let mut command = Command::new("redis-server");
    command.args([
        "--port",
        &port.to_string(),
        "--bind",
        "127.0.0.1",
        "--save",
        "",
        "--appendonly",
        "no",
        "--busy-reply-threshold",
        "1000",
    ]);
    command
}

/// Starts Redis as a daemon unless it runs already. Returns whether this call started it.
pub fn start(p: &StackLayout) -> crate::Result<bool> {
    let dir = p.dir.join("redis");
    std::fs::create_dir_all(&dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    let pid_file = dir.join("redis.pid");
    if alive_pid(&pid_file).is_some() && net::is_listening(p.redis_port) {
        note("already running");
        return Ok(false);
    }
    net::ensure_free(
        p.redis_port,
        "Redis",
        &StackLayout::port_var(p.name, "REDIS"),
    )?;
    let log = dir.join("redis.log");
    proc::run(
        server(p.redis_port)
            .args([
                "--daemonize",
                "yes",
                "--pidfile",
                &pid_file.display().to_string(),
            ])
            .args([
                "--logfile",
                &log.display().to_string(),
                "--dir",
                &dir.display().to_string(),
            ]),
        "redis-server is missing; run `cargo xtask setup` or set REDIS_URL",
    )?;
    net::wait_listening(
        p.redis_port,
        "Redis",
        Duration::from_secs(10),
        &log.display().to_string(),
    )?;
    Ok(true)
}

/// Stops the stack's Redis and waits until it is gone.
pub fn stop(p: &StackLayout) {
    if let Some(pid) = alive_pid(&p.dir.join("redis/redis.pid")) {
        signal(pid, "TERM");
        wait_exit(pid, Duration::from_secs(10));
    }
}
