//! The local stack: PostgreSQL, Redis, PgBouncer (standing in for Hyperdrive), the Redis REST
//! gateway and `wrangler dev`.
//!
//! PostgreSQL, Redis and PgBouncer run as daemons with their state and pid files in the stack's
//! directory, so any process (the end-to-end fault tests included) can stop and start one with
//! the functions here. The gateway and wrangler are children of the process that started them.
//! Two stacks (`dev`, `test`) use different directories and ports, so tests can run while the
//! dev stack is up.

pub mod gateway;
pub mod net;
pub mod pgbouncer;
pub mod postgres;
pub mod procs;
pub mod redis;
pub mod redis_cluster;
pub mod regions;
pub mod worker;

use crate::proc::{note, step};
use crate::root;
use std::path::PathBuf;
use std::process::Child;

/// Ports and places of one stack.
#[derive(Debug, Clone)]
pub struct StackLayout {
    pub name: &'static str,
    pub dir: PathBuf,
    pub postgres_port: u16,
    pub redis_port: u16,
    pub pgbouncer_port: u16,
    pub gateway_port: u16,
    pub worker_port: u16,
    pub inspector_port: u16,
    /// Where the end-to-end tests' SMS webhook receiver listens (test stack).
    pub webhook_port: u16,
    /// `DATABASE_URL` when set: a PostgreSQL someone else runs. Otherwise the stack runs its own.
    pub external_database_url: Option<String>,
    /// `REDIS_URL` when set: a Redis someone else runs. Otherwise the stack runs its own.
    pub external_redis_url: Option<String>,
}

impl StackLayout {
    pub fn dev() -> Self {
        Self::new("dev", [55432, 56379, 56432, 8079, 8787, 9229, 8889])
    }

    pub fn test() -> Self {
        Self::new("test", [55442, 56389, 56442, 8089, 8797, 9239, 8899])
    }

    /// The benchmark's stack: ports and state of its own, so it never touches dev or test data.
    pub fn bench() -> Self {
        Self::new("bench", [55462, 56409, 56462, 8109, 8817, 9259, 8919])
    }

    /// The long API fuzz run's stack (`cargo xtask fuzz-api`), apart from the others.
    pub fn fuzz() -> Self {
        Self::new("fuzz", [55472, 56419, 56472, 8119, 8827, 9269, 8929])
    }

    /// Ports can be moved with `<PROFILE>_<COMPONENT>_PORT`, e.g. `DEV_WORKER_PORT=8788`.
    pub(crate) fn new(name: &'static str, defaults: [u16; 7]) -> Self {
        let port = |component: &str, default: u16| {
            std::env::var(Self::port_var(name, component))
                .ok()
                .and_then(|v| v.parse().ok())
                .unwrap_or(default)
        };
        Self {
            name,
            dir: root().join(".stack").join(name),
            postgres_port: port("POSTGRES", defaults[0]),
            redis_port: port("REDIS", defaults[1]),
            pgbouncer_port: port("PGBOUNCER", defaults[2]),
            gateway_port: port("GATEWAY", defaults[3]),
            worker_port: port("WORKER", defaults[4]),
            inspector_port: port("INSPECTOR", defaults[5]),
            webhook_port: port("WEBHOOK", defaults[6]),
            external_database_url: std::env::var("DATABASE_URL").ok().filter(|v| !v.is_empty()),
            external_redis_url: std::env::var("REDIS_URL").ok().filter(|v| !v.is_empty()),
        }
    }

    /// The variable that moves a component's port, for error messages.
    pub fn port_var(stack: &str, component: &str) -> String {
        format!("{}_{component}_PORT", stack.to_ascii_uppercase())
    }

    /// Direct connection to the database (migrations, test setup): never through the pooler.
    pub fn database_url(&self) -> String {
        self.external_database_url.clone().unwrap_or_else(|| {
            format!("postgres://auth:auth@127.0.0.1:{}/auth", self.postgres_port)
        })
    }

    /// The PgBouncer URL the worker reaches through the Hyperdrive binding.
    pub fn pooler_url(&self) -> String {
        let direct = postgres::ConnParts::parse(&self.database_url());
        direct.with_host_port("127.0.0.1", self.pgbouncer_port)
    }

    pub fn redis_url(&self) -> String {
        self.external_redis_url
            .clone()
            .unwrap_or_else(|| format!("redis://127.0.0.1:{}", self.redis_port))
    }

    pub fn gateway_url(&self) -> String {
        format!("http://127.0.0.1:{}", self.gateway_port)
    }

    pub fn worker_url(&self) -> String {
        format!("http://127.0.0.1:{}", self.worker_port)
    }
}

/// What a running stack owns, so it can be shut down.
pub struct Stack {
    pub layout: StackLayout,
    pub gateway_token: String,
    children: Vec<(String, Child)>,
    started_postgres: bool,
    started_redis: bool,
    started_pgbouncer: bool,
}

impl Stack {
    /// Starts the backends (PostgreSQL, Redis, PgBouncer), migrates, and starts the gateway.
    /// `wrangler dev` comes separately ([`Stack::start_worker`]) since not every caller wants it.
    pub fn start_backends(layout: StackLayout, gateway_token: String) -> crate::Result<Self> {
        std::fs::create_dir_all(&layout.dir)
            .map_err(|e| format!("cannot create {}: {e}", layout.dir.display()))?;
        let mut stack = Stack {
            layout,
            gateway_token,
            children: Vec::new(),
            started_postgres: false,
            started_redis: false,
            started_pgbouncer: false,
        };
        let p = stack.layout.clone();
        if p.external_database_url.is_none() {
            step(&format!(
                "stack: PostgreSQL on 127.0.0.1:{} ({})",
                p.postgres_port,
                p.dir.join("pg").display()
            ));
            stack.started_postgres = postgres::start(&p)?;
        } else {
            step("stack: PostgreSQL from DATABASE_URL");
        }
        if p.external_redis_url.is_none() {
            step(&format!("stack: Redis on 127.0.0.1:{}", p.redis_port));
            stack.started_redis = redis::start(&p)?;
        } else {
            step("stack: Redis from REDIS_URL");
        }
        step(&format!(
            "stack: PgBouncer (transaction mode) on 127.0.0.1:{}",
            p.pgbouncer_port
        ));
        stack.started_pgbouncer = pgbouncer::start(&p)?;
        auth_ops::migrate::migrate_url(&p.database_url())?;
        step(&format!("stack: Redis REST gateway on {}", p.gateway_url()));
        let child = gateway::start(&p, &stack.gateway_token)?;
        stack.children.push(("redis-rest gateway".into(), child));
        Ok(stack)
    }

    /// Starts `wrangler dev` with `vars` and the settings that wire it to this stack;
    /// returns when `/health` answers.
    pub fn start_worker(
        &mut self,
        vars: std::collections::BTreeMap<String, String>,
        inherit_output: bool,
    ) -> crate::Result<()> {
        let p = &self.layout;
        step(&format!(
            "stack: worker under wrangler dev on {}",
            p.worker_url()
        ));
        // The stack's wiring wins: the worker must reach this stack's gateway with its token.
        let mut all = vars;
        all.extend(worker::stack_vars(p, &self.gateway_token));
        let instance = worker::Instance {
            name: "main".into(),
            port: p.worker_port,
            inspector_port: p.inspector_port,
            dir: p.dir.join("worker"),
            vars: all,
            hyperdrive_url: p.pooler_url(),
            config: None,
            inherit_output,
        };
        let mut child = worker::start(
            &instance,
            &StackLayout::port_var(p.name, "WORKER"),
            &StackLayout::port_var(p.name, "INSPECTOR"),
        )?;
        let healthy = worker::wait_healthy(&instance, &mut child);
        self.children.push(("wrangler dev".into(), child));
        healthy
    }

    /// Whether a child (gateway, wrangler) has exited on its own.
    pub fn exited_child(&mut self) -> Option<String> {
        self.children
            .iter_mut()
            .find_map(|(name, child)| matches!(child.try_wait(), Ok(Some(_))).then(|| name.clone()))
    }

    fn owns_anything(&self) -> bool {
        !self.children.is_empty()
            || self.started_postgres
            || self.started_redis
            || self.started_pgbouncer
    }

    /// Stops everything this stack started, children first. Safe to call twice.
    pub fn shutdown(&mut self) {
        if !self.owns_anything() {
            return;
        }
        step("stack: shutting down");
        for (name, mut child) in self.children.drain(..).rev() {
            worker::terminate_group(&mut child);
            note(&format!("stopped {name}"));
        }
        // A gateway restarted by a fault test is not our child; whatever serves our gateway
        // port now is still ours to stop.
        if let Some(pid) = procs::listener(self.layout.gateway_port) {
            signal(pid, "TERM");
            wait_exit(pid, std::time::Duration::from_secs(10));
            note("stopped the restarted redis-rest gateway");
        }
        if std::mem::take(&mut self.started_pgbouncer) {
            pgbouncer::stop(&self.layout);
            note("stopped PgBouncer");
        }
        if std::mem::take(&mut self.started_redis) {
            redis::stop(&self.layout);
            note("stopped Redis");
        }
        if std::mem::take(&mut self.started_postgres) {
            postgres::stop(&self.layout);
            note("stopped PostgreSQL");
        }
    }
}

impl Drop for Stack {
    fn drop(&mut self) {
        self.shutdown();
    }
}

/// Reads a pid file and tells whether that process is alive.
pub fn alive_pid(pid_file: &std::path::Path) -> Option<u32> {
    let pid: u32 = std::fs::read_to_string(pid_file)
        .ok()?
        .lines()
        .next()?
        .trim()
        .parse()
        .ok()?;
    std::path::Path::new(&format!("/proc/{pid}"))
        .exists()
        .then_some(pid)
}

/// Sends a signal to a pid (via `kill`, to avoid a libc dependency).
pub fn signal(pid: u32, signal: &str) {
    let _ = std::process::Command::new("kill")
        .args([format!("-{signal}"), pid.to_string()])
        .status();
}

/// Waits for a pid to exit, up to `limit`.
pub fn wait_exit(pid: u32, limit: std::time::Duration) -> bool {
    let started = std::time::Instant::now();
    while started.elapsed() < limit {
        // Gone, or a zombie its parent has not reaped yet (a fault test stopping a child of
        // the task runner): either way it no longer runs.
        match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
            Err(_) => return true,
            Ok(stat)
                if stat
                    .rsplit(')')
                    .next()
                    .is_some_and(|s| s.trim_start().starts_with('Z')) =>
            {
                return true
            }
            Ok(_) => {}
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    false
}
