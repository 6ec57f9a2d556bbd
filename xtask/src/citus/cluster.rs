//! A Citus cluster on loopback for the citus tier: a coordinator and two workers, each a
//! PostgreSQL of its own with Citus preloaded, made afresh on every run (so a run never meets
//! the last one's shards), migrated and distributed as an operator would, with PgBouncer in
//! transaction mode in front of the coordinator (Hyperdrive's part).

use crate::proc::{self, note, step};
use crate::root;
use crate::stack::postgres::{as_postgres, bin_dir, daemon_dir, start_server, stop_cluster};
use crate::stack::{net, pgbouncer, StackLayout};
use auth_ops::db::{block_on, pg_message};
use std::time::Duration;

const NODES: [&str; 3] = ["coordinator", "worker1", "worker2"];

pub struct Cluster {
    pub layout: StackLayout,
}

impl Cluster {
    /// The port of node `i` (0 is the coordinator).
    pub fn port(&self, i: usize) -> u16 {
        self.layout.postgres_port + i as u16
    }

    /// The `auth` database on node `i`, directly.
    pub fn url(&self, i: usize) -> String {
        format!("postgres://auth:auth@127.0.0.1:{}/auth", self.port(i))
    }

    /// The coordinator through PgBouncer.
    pub fn pooler_url(&self) -> String {
        self.layout.pooler_url()
    }

    /// Starts a fresh cluster: three nodes, Citus on each, the workers registered, the
    /// migrations and `citus/distribute.sql` applied, PgBouncer in front.
    pub fn start() -> crate::Result<Self> {
        let cluster = Self {
            layout: StackLayout::citus(),
        };
        cluster.stop();
        for (i, name) in NODES.iter().enumerate() {
            step(&format!("citus: {name} on port {}", cluster.port(i)));
            cluster.start_node(i, name)?;
        }
        block_on(cluster.join_nodes())?;
        auth_ops::migrate::migrate_url(&cluster.url(0))?;
        step("citus: citus/distribute.sql on the coordinator, twice (an operator re-runs it)");
        let script = std::fs::read_to_string(root().join("citus/distribute.sql"))
            .map_err(|e| format!("citus/distribute.sql: {e}"))?;
        block_on(async {
            let client = connect(&cluster.url(0)).await?;
            for run in ["first", "second"] {
                client.batch_execute(&script).await.map_err(|e| {
                    format!(
                        "citus/distribute.sql failed on its {run} run: {}",
                        pg_message(&e)
                    )
                })?;
            }
            Ok::<_, String>(())
        })?;
        step("citus: PgBouncer in front of the coordinator");
        pgbouncer::start(&cluster.layout)?;
        Ok(cluster)
    }

    fn start_node(&self, i: usize, name: &str) -> crate::Result<()> {
        let dir = format!("citus-{name}");
        if let Ok(old) = daemon_dir(&self.layout, &dir) {
            let _ = std::fs::remove_dir_all(old);
        }
        let data = daemon_dir(&self.layout, &dir)?;
        let shown = data.display().to_string();
        net::ensure_free(
            self.port(i),
            &format!("the Citus {name}"),
            "CITUS_POSTGRES_PORT",
        )?;
        proc::run(
            as_postgres(&bin_dir().join("initdb"))
                .args(["-D", &shown, "-U", "postgres", "--auth=trust", "-E", "UTF8"])
                .arg("--no-sync")
                .stdout(std::process::Stdio::null()),
            "initdb failed",
        )?;
        let log = data.join("postgres.log");
        self.pg_ctl_start(i, &data)?;
        net::wait_listening(
            self.port(i),
            "PostgreSQL",
            Duration::from_secs(20),
            &log.display().to_string(),
        )
    }

    /// Starts node `i` on its data directory: its port, Citus preloaded, and no TLS between
    /// nodes (they talk over loopback).
    fn pg_ctl_start(&self, i: usize, data: &std::path::Path) -> crate::Result<()> {
        start_server(
            data,
            self.port(i),
            "-c shared_preload_libraries=citus -c citus.node_conninfo=sslmode=disable",
            "a Citus node",
        )
    }

    /// The `auth` role and database with Citus on every node; the workers joined to the
    /// coordinator.
    async fn join_nodes(&self) -> crate::Result<()> {
        for i in 0..NODES.len() {
            let admin = connect(&format!(
                "postgres://postgres@127.0.0.1:{}/postgres",
                self.port(i)
            ))
            .await?;
            for sql in [
                "CREATE ROLE auth LOGIN CREATEDB PASSWORD 'auth'",
                "CREATE DATABASE auth OWNER auth",
            ] {
                run(&admin, sql).await?;
            }
            let db = connect(&format!(
                "postgres://postgres@127.0.0.1:{}/auth",
                self.port(i)
            ))
            .await?;
            run(&db, "CREATE EXTENSION citus").await?;
        }
        let coordinator = connect(&format!(
            "postgres://postgres@127.0.0.1:{}/auth",
            self.port(0)
        ))
        .await?;
        run(
            &coordinator,
            &format!(
                "SELECT citus_set_coordinator_host('127.0.0.1', {})",
                self.port(0)
            ),
        )
        .await?;
        for i in 1..NODES.len() {
            let sql = format!("SELECT citus_add_node('127.0.0.1', {})", self.port(i));
            run(&coordinator, &sql).await?;
        }
        note("coordinator and two workers joined");
        Ok(())
    }

    /// Stops a node (the fault test), or starts it again with its data.
    pub fn set_node_running(&self, i: usize, running: bool) -> crate::Result<()> {
        let data = daemon_dir(&self.layout, &format!("citus-{}", NODES[i]))?;
        if running {
            return self.pg_ctl_start(i, &data);
        }
        let shown = data.display().to_string();
        proc::run(
            as_postgres(&bin_dir().join("pg_ctl"))
                .args(["-D", &shown, "-m", "immediate", "-w", "stop"])
                .stdout(std::process::Stdio::null()),
            "pg_ctl stop failed",
        )
    }

    /// Stops PgBouncer and every node.
    pub fn stop(&self) {
        pgbouncer::stop(&self.layout);
        for name in NODES {
            if let Ok(data) = daemon_dir(&self.layout, &format!("citus-{name}")) {
                if data.join("postmaster.pid").exists() {
                    stop_cluster(&data);
                }
            }
        }
    }
}

impl StackLayout {
    /// The Citus cluster of the citus tier: the coordinator on the PostgreSQL port, its two
    /// workers on the two ports above it, PgBouncer in front of the coordinator. Its ports sit
    /// below Linux's ephemeral range (32768-60999): the tier starts after thousands of test
    /// connections, one of which may hold a port in that range as its local end.
    pub fn citus() -> Self {
        let mut p = Self::new("citus", [25492, 26429, 26492, 8129, 8837, 9279, 8939]);
        p.external_database_url = None;
        p
    }
}

async fn connect(url: &str) -> crate::Result<tokio_postgres::Client> {
    auth_ops::db::connect(url, "a Citus node").await
}

async fn run(client: &tokio_postgres::Client, sql: &str) -> crate::Result<()> {
    client
        .batch_execute(sql)
        .await
        .map_err(|e| format!("{sql}: {}", pg_message(&e)))
}
