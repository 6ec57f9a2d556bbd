//! The stack's own PostgreSQL cluster, used when `DATABASE_URL` is not set.

use super::{alive_pid, net, StackLayout};
use crate::proc::{self, note};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

/// The parts of a `postgres://user:password@host:port/db` URL that the stack needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConnParts {
    pub user: String,
    pub password: String,
    pub host: String,
    pub port: u16,
    pub database: String,
}

impl ConnParts {
    pub fn parse(url: &str) -> Self {
        let rest = url.split_once("://").map(|(_, r)| r).unwrap_or(url);
        let rest = rest.split('?').next().unwrap_or(rest);
        let (auth, host_db) = rest.rsplit_once('@').unwrap_or(("postgres", rest));
        let (user, password) = auth.split_once(':').unwrap_or((auth, ""));
        let (host_port, database) = host_db.split_once('/').unwrap_or((host_db, "postgres"));
        let (host, port) = host_port.rsplit_once(':').unwrap_or((host_port, "5432"));
        Self {
            user: user.to_owned(),
            password: password.to_owned(),
            host: host.to_owned(),
            port: port.parse().unwrap_or(5432),
            database: if database.is_empty() {
                user.to_owned()
            } else {
                database.to_owned()
            },
        }
    }

    pub fn with_host_port(&self, host: &str, port: u16) -> String {
        let auth = if self.password.is_empty() {
            self.user.clone()
        } else {
            format!("{}:{}", self.user, self.password)
        };
        format!("postgres://{auth}@{host}:{port}/{}", self.database)
    }
}

/// Starts the cluster unless it already runs. Returns whether this call started it.
pub fn start(p: &StackLayout) -> crate::Result<bool> {
    let data = daemon_dir(p, "pg")?;
    let bin = bin_dir();
    if !data.join("PG_VERSION").exists() {
        note("initdb (first run)");
        proc::run(
            as_postgres(&bin.join("initdb"))
                .args([
                    "-D",
                    &data.display().to_string(),
                    "-U",
                    "postgres",
                    "--auth=trust",
                    "-E",
                    "UTF8",
                ])
                .arg("--no-sync")
                .stdout(std::process::Stdio::null()),
            "initdb failed; is the postgresql package installed? (`cargo xtask setup`)",
        )?;
    }
    if alive_pid(&data.join("postmaster.pid")).is_some() && net::is_listening(p.postgres_port) {
        note("already running");
        ensure_database(p)?;
        return Ok(false);
    }
    net::ensure_free(
        p.postgres_port,
        "PostgreSQL",
        &StackLayout::port_var(p.name, "POSTGRES"),
    )?;
    let log = data.join("postgres.log");
    start_server(&data, p.postgres_port, "", "PostgreSQL")?;
    net::wait_listening(
        p.postgres_port,
        "PostgreSQL",
        Duration::from_secs(20),
        &log.display().to_string(),
    )?;
    ensure_database(p)?;
    Ok(true)
}

/// Starts the server of a data directory on a loopback port, TCP only, without fsync (dev and
/// test data), with `extra` server options; waits until pg_ctl reports it started.
pub fn start_server(data: &Path, port: u16, extra: &str, what: &str) -> crate::Result<()> {
    let log = data.join("postgres.log");
    let options = format!(
        "-p {port} -c listen_addresses=127.0.0.1 -c unix_socket_directories='' -c fsync=off \
         -c max_connections=200 {extra}"
    );
    proc::run(
        as_postgres(&bin_dir().join("pg_ctl"))
            .args(["-D", &data.display().to_string()])
            .args([
                "-l",
                &log.display().to_string(),
                "-o",
                &options,
                "-w",
                "start",
            ])
            .stdout(std::process::Stdio::null()),
        &format!("{what} did not start; see {}", log.display()),
    )
}

/// Fast shutdown: connections are closed, nothing is lost (the cluster is a dev cluster).
pub fn stop(p: &StackLayout) {
    if let Ok(data) = daemon_dir(p, "pg") {
        stop_cluster(&data);
    }
}

/// Stops the server of a data directory, if one runs (a fast shutdown; errors are ignored).
pub fn stop_cluster(data: &Path) {
    let _ = as_postgres(&bin_dir().join("pg_ctl"))
        .args([
            "-D",
            &data.display().to_string(),
            "-m",
            "fast",
            "-w",
            "stop",
        ])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status();
}

/// Creates the `auth` role and database on first start.
fn ensure_database(p: &StackLayout) -> crate::Result<()> {
    let admin = format!("postgres://postgres@127.0.0.1:{}/postgres", p.postgres_port);
    auth_ops::db::block_on(async {
        let (client, connection) = tokio_postgres::connect(&admin, tokio_postgres::NoTls)
            .await
            .map_err(|e| format!("cannot connect to the stack's PostgreSQL: {e}"))?;
        tokio::spawn(connection);
        let exists = client
            .query_opt("SELECT 1 FROM pg_database WHERE datname = 'auth'", &[])
            .await
            .map_err(|e| e.to_string())?
            .is_some();
        if !exists {
            // Two calls: CREATE DATABASE cannot run inside the implicit transaction of a batch.
            for sql in [
                "CREATE ROLE auth LOGIN CREATEDB PASSWORD 'auth'",
                "CREATE DATABASE auth OWNER auth",
            ] {
                client.batch_execute(sql).await.map_err(|e| {
                    format!(
                        "cannot create the auth database: {}",
                        auth_ops::db::pg_message(&e)
                    )
                })?;
            }
        }
        Ok(())
    })
}

/// PostgreSQL's server binaries: the newest `/usr/lib/postgresql/N/bin`, else whatever is on PATH.
pub fn bin_dir() -> PathBuf {
    let mut versions: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .filter_map(|e| e.ok())
        .filter_map(|e| {
            let version = e.file_name().to_string_lossy().parse().ok()?;
            let bin = e.path().join("bin");
            bin.join("pg_ctl").exists().then_some((version, bin))
        })
        .collect();
    versions.sort();
    versions.pop().map(|(_, bin)| bin).unwrap_or_default()
}

/// A command that runs as the `postgres` user when we are root: PostgreSQL and PgBouncer refuse
/// to run as root.
pub fn as_postgres(program: &Path) -> Command {
    if proc::is_root() {
        let mut cmd = Command::new("runuser");
        cmd.args(["-u", "postgres", "--"]).arg(program);
        cmd
    } else {
        Command::new(program)
    }
}

/// A directory for a daemon's state. Project-local (`.stack/<profile>/<name>`) when the daemon's
/// user can reach it; when running as root and the `postgres` user cannot enter the checkout
/// (a private parent directory), `/var/tmp/phone-auth/<profile>-<checkout hash>/<name>` instead.
pub fn daemon_dir(p: &StackLayout, name: &str) -> crate::Result<PathBuf> {
    let local = p.dir.join(name);
    if !proc::is_root() {
        std::fs::create_dir_all(&local)
            .map_err(|e| format!("cannot create {}: {e}", local.display()))?;
        return Ok(local);
    }
    let reachable = |dir: &Path| -> bool {
        std::fs::create_dir_all(dir).is_ok()
            && Command::new("chown")
                .args(["postgres:postgres"])
                .arg(dir)
                .status()
                .is_ok_and(|s| s.success())
            && Command::new("runuser")
                .args(["-u", "postgres", "--", "test", "-w"])
                .arg(dir)
                .status()
                .is_ok_and(|s| s.success())
    };
    if reachable(&local) {
        return Ok(local);
    }
    let hash = p
        .dir
        .display()
        .to_string()
        .bytes()
        .fold(0u32, |h, b| h.wrapping_mul(31).wrapping_add(b as u32));
    let fallback = PathBuf::from(format!("/var/tmp/phone-auth/{}-{hash:08x}/{name}", p.name));
    let _ = std::fs::create_dir_all("/var/tmp/phone-auth");
    let _ = Command::new("chmod")
        .args(["755"])
        .arg("/var/tmp/phone-auth")
        .status();
    if let Some(parent) = fallback.parent() {
        let _ = std::fs::create_dir_all(parent);
        let _ = Command::new("chmod").args(["755"]).arg(parent).status();
    }
    if reachable(&fallback) {
        return Ok(fallback);
    }
    Err(format!(
        "the postgres user cannot write {} or {}",
        local.display(),
        fallback.display()
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_parse_into_parts_and_back() {
        let parts = ConnParts::parse("postgres://app:s3cret@db.internal:6543/auth?sslmode=disable");
        assert_eq!(parts.user, "app");
        assert_eq!(parts.password, "s3cret");
        assert_eq!(parts.host, "db.internal");
        assert_eq!(parts.port, 6543);
        assert_eq!(parts.database, "auth");
        assert_eq!(
            parts.with_host_port("127.0.0.1", 1),
            "postgres://app:s3cret@127.0.0.1:1/auth"
        );
        let bare = ConnParts::parse("postgres://auth@127.0.0.1/auth");
        assert_eq!((bare.port, bare.password.as_str()), (5432, ""));
    }
}
