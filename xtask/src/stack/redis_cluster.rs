//! A local Redis Cluster for the cluster tier: three masters with a replica each, on free
//! loopback ports, made afresh in a directory of its own on every run, with the tools Redis
//! ships (redis-server in cluster mode, `redis-cli --cluster create`).
//!
//! `cluster-require-full-coverage no`, as a production cluster behind this service should run:
//! while one master is down and before its replica takes over, the other masters keep serving
//! their slots (the phones, addresses and budgets that live there).

use super::{alive_pid, net, redis, signal, wait_exit};
use crate::proc::{self, note, step};
use crate::root;
use std::path::PathBuf;
use std::process::Command;
use std::time::{Duration, Instant};

/// How long a master may be silent before its replica is promoted.
const NODE_TIMEOUT_MS: &str = "1000";

pub struct RedisCluster {
    dir: PathBuf,
    pub ports: [u16; 6],
}

impl RedisCluster {
    pub fn start() -> crate::Result<Self> {
        let cluster = Self {
            dir: root().join(".stack/redis-cluster"),
            ports: net::free_ports::<6>()?,
        };
        cluster.stop_leftovers();
        let _ = std::fs::remove_dir_all(&cluster.dir);
        std::fs::create_dir_all(&cluster.dir)
            .map_err(|e| format!("cannot create {}: {e}", cluster.dir.display()))?;
        step(&format!(
            "redis cluster: six nodes on ports {:?}",
            cluster.ports
        ));
        for port in cluster.ports {
            cluster.start_node(port)?;
        }
        let nodes: Vec<String> = cluster
            .ports
            .iter()
            .map(|p| format!("127.0.0.1:{p}"))
            .collect();
        proc::run(
            Command::new("redis-cli")
                .args(["--cluster", "create"])
                .args(&nodes)
                .args(["--cluster-replicas", "1", "--cluster-yes"])
                .stdout(std::process::Stdio::null()),
            "redis-cli could not create the cluster; see the nodes' logs in .stack/redis-cluster",
        )?;
        cluster.wait_ready(Duration::from_secs(30))?;
        Ok(cluster)
    }

    /// The seed nodes, as the gateway's `REDIS_REST_REDIS_URL` takes them in cluster mode.
    pub fn seeds(&self) -> String {
        let urls: Vec<String> = self
            .ports
            .iter()
            .map(|p| format!("redis://127.0.0.1:{p}"))
            .collect();
        urls.join(",")
    }

    /// The node ports, comma-separated, for tests that talk to nodes directly.
    pub fn ports_list(&self) -> String {
        let ports: Vec<String> = self.ports.iter().map(u16::to_string).collect();
        ports.join(",")
    }

    fn start_node(&self, port: u16) -> crate::Result<()> {
        let at = |name: String| self.dir.join(name).display().to_string();
        proc::run(
            redis::server(port)
                .args(["--cluster-enabled", "yes"])
                .args(["--cluster-config-file", &at(format!("nodes-{port}.conf"))])
                .args(["--cluster-node-timeout", NODE_TIMEOUT_MS])
                .args(["--cluster-require-full-coverage", "no"])
                .args(["--daemonize", "yes"])
                .args(["--pidfile", &at(format!("{port}.pid"))])
                .args(["--logfile", &at(format!("{port}.log"))])
                .args(["--dir", &self.dir.display().to_string()]),
            "redis-server is missing; run `cargo xtask setup`",
        )?;
        net::wait_listening(
            port,
            "a Redis Cluster node",
            Duration::from_secs(10),
            &at(format!("{port}.log")),
        )
    }

    /// Waits until every node sees the cluster whole: all slots served, state ok.
    fn wait_ready(&self, limit: Duration) -> crate::Result<()> {
        let started = Instant::now();
        loop {
            let ready = self.ports.iter().all(|port| {
                proc::output(Command::new("redis-cli").args([
                    "-p",
                    &port.to_string(),
                    "cluster",
                    "info",
                ]))
                .is_some_and(|info| {
                    info.contains("cluster_state:ok") && info.contains("cluster_slots_ok:16384")
                })
            });
            if ready {
                note(&format!(
                    "cluster ready in {:.1}s",
                    started.elapsed().as_secs_f64()
                ));
                return Ok(());
            }
            if started.elapsed() > limit || proc::interrupted() {
                return Err(format!(
                    "the Redis Cluster was not ready within {limit:?}; see {}",
                    self.dir.display()
                ));
            }
            std::thread::sleep(Duration::from_millis(200));
        }
    }

    /// Stops every node this directory's pid files name (a test may have killed some already)
    /// and removes the directory.
    pub fn stop(&self) {
        self.stop_leftovers();
        let _ = std::fs::remove_dir_all(&self.dir);
    }

    fn stop_leftovers(&self) {
        let Ok(entries) = std::fs::read_dir(&self.dir) else {
            return;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.extension().is_some_and(|e| e == "pid") {
                if let Some(pid) = alive_pid(&path) {
                    signal(pid, "TERM");
                    wait_exit(pid, Duration::from_secs(10));
                }
            }
        }
    }
}
