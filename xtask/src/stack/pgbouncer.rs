//! PgBouncer in transaction mode in front of PostgreSQL: locally, it plays Hyperdrive's part.
//! Transaction pooling is what makes named prepared statements fail, so running through it
//! keeps the worker honest about using unnamed statements only.

use super::postgres::{as_postgres, daemon_dir, ConnParts};
use super::{alive_pid, net, signal, wait_exit, StackLayout};
use crate::proc::{self, note};
use std::path::PathBuf;
use std::time::Duration;

/// Starts PgBouncer as a daemon unless it runs already. Returns whether this call started it.
pub fn start(p: &StackLayout) -> crate::Result<bool> {
    let dir = daemon_dir(p, "pgbouncer")?;
    let pid_file = dir.join("pgbouncer.pid");
    let server = ConnParts::parse(&p.database_url());
    let userlist = format!("\"{}\" \"{}\"\n", server.user, server.password);
    let running = alive_pid(&pid_file).is_some() && net::is_listening(p.pgbouncer_port);
    // A PgBouncer left running for another DATABASE_URL would send logins to the wrong
    // server, with the wrong user: it is restarted with this configuration.
    let same_server = std::fs::read_to_string(dir.join("userlist.txt")).ok()
        == Some(userlist.clone())
        && std::fs::read_to_string(dir.join("pgbouncer.ini"))
            .is_ok_and(|ini| ini.contains(&format!("host={} port={}", server.host, server.port)));
    if running && same_server {
        note("already running");
        return Ok(false);
    }
    if running {
        note("running for another database: restarting");
        stop(p);
    }
    net::ensure_free(
        p.pgbouncer_port,
        "PgBouncer",
        &StackLayout::port_var(p.name, "PGBOUNCER"),
    )?;
    let ini = dir.join("pgbouncer.ini");
    let log = dir.join("pgbouncer.log");
    // Short server timeouts: while PostgreSQL is down, clients get an error (08P01) in about a
    // second instead of waiting in the queue, so `/ready` and requests fail fast with 503.
    let config = format!(
        "[databases]\n* = host={host} port={port}\n\n[pgbouncer]\nlisten_addr = 127.0.0.1\nlisten_port = {listen}\n\
         unix_socket_dir =\nauth_type = trust\nauth_file = {users}\npool_mode = transaction\n\
         stats_users = {user}\n\
         max_client_conn = 1000\ndefault_pool_size = 20\nserver_connect_timeout = 1\nserver_login_retry = 1\n\
         query_wait_timeout = 1\nignore_startup_parameters = extra_float_digits,options\n\
         logfile = {log}\npidfile = {pid}\n",
        host = server.host,
        port = server.port,
        listen = p.pgbouncer_port,
        users = dir.join("userlist.txt").display(),
        user = server.user,
        log = log.display(),
        pid = pid_file.display(),
    );
    write(&ini, &config)?;
    // PgBouncer logs into the server with the password from the auth file.
    write(&dir.join("userlist.txt"), &userlist)?;
    let _ = std::process::Command::new("chown")
        .args(["-R", "postgres:postgres"])
        .arg(&dir)
        .status();
    proc::run(
        as_postgres(&pgbouncer_bin()).args(["-d", "-q"]).arg(&ini),
        &format!(
            "PgBouncer did not start; see {}. Is it installed? (`cargo xtask setup`)",
            log.display()
        ),
    )?;
    net::wait_listening(
        p.pgbouncer_port,
        "PgBouncer",
        Duration::from_secs(10),
        &log.display().to_string(),
    )?;
    Ok(true)
}

/// Stops PgBouncer and waits until it is gone.
pub fn stop(p: &StackLayout) {
    if let Ok(dir) = daemon_dir(p, "pgbouncer") {
        if let Some(pid) = alive_pid(&dir.join("pgbouncer.pid")) {
            signal(pid, "TERM");
            wait_exit(pid, Duration::from_secs(10));
        }
    }
}

fn pgbouncer_bin() -> PathBuf {
    ["/usr/sbin/pgbouncer", "/usr/bin/pgbouncer"]
        .iter()
        .map(PathBuf::from)
        .find(|p| p.exists())
        .unwrap_or_else(|| PathBuf::from("pgbouncer"))
}

fn write(path: &std::path::Path, text: &str) -> crate::Result<()> {
    std::fs::write(path, text).map_err(|e| format!("cannot write {}: {e}", path.display()))
}
