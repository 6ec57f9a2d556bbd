//! A worker on plain `workerd serve`, configured here: no wrangler, no Miniflare, no inspector
//! (unless the profiler asks for one)
//! (the closest local stand-in for how the edge runs it). The Hyperdrive binding points
//! straight at the pooler, outbound fetches may reach loopback (the gateway). Stopped when
//! dropped.

use crate::root;
use crate::stack::net;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Where the Hyperdrive binding leads.
pub struct Pooler {
    pub address: String,
    pub database: String,
    pub user: String,
    pub password: String,
}

impl Pooler {
    /// The stack's PgBouncer, as the worker's Hyperdrive binding reaches it.
    pub fn of(layout: &crate::stack::StackLayout) -> Self {
        let parts = crate::stack::postgres::ConnParts::parse(&layout.pooler_url());
        Self {
            address: format!("127.0.0.1:{}", layout.pgbouncer_port),
            database: parts.database,
            user: parts.user,
            password: parts.password,
        }
    }
}

pub struct PlainWorkerd {
    pub port: u16,
    child: Child,
    log: PathBuf,
}

/// A worker's config written and its command ready: [`Prepared::spawn`] starts it, so a
/// start-up measurement times the runtime, not the file copies.
pub struct Prepared {
    command: Command,
    port: u16,
    log: PathBuf,
}

/// A Cap'n Proto text literal.
fn text(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// The config; `embed` paths are relative to the config's directory, where `start` copies
/// the script (and the wasm module next to it, if any).
fn config(
    has_wasm: bool,
    port: u16,
    vars: &BTreeMap<String, String>,
    pooler: Option<&Pooler>,
) -> String {
    let mut modules = vec!["(name = \"index.js\", esModule = embed \"index.js\")".to_owned()];
    if has_wasm {
        modules.push("(name = \"index_bg.wasm\", wasm = embed \"index_bg.wasm\")".to_owned());
    }
    let mut bindings: Vec<String> = vars
        .iter()
        .map(|(k, v)| format!("(name = {}, text = {})", text(k), text(v)))
        .collect();
    let mut services = Vec::new();
    if let Some(p) = pooler {
        bindings.push(format!(
            "(name = \"HYPERDRIVE\", hyperdrive = (designator = \"pooler\", database = {}, \
             user = {}, password = {}, scheme = \"postgresql\"))",
            text(&p.database),
            text(&p.user),
            text(&p.password)
        ));
        services.push(format!(
            "(name = \"pooler\", external = (address = {}, tcp = ()))",
            text(&p.address)
        ));
    }
    format!(
        "using Workerd = import \"/workerd/workerd.capnp\";\n\
         const config :Workerd.Config = (\n\
           services = [\n\
             (name = \"main\", worker = (\n\
               modules = [{modules}],\n\
               compatibilityDate = \"2026-04-01\",\n\
               bindings = [{bindings}],\n\
               globalOutbound = \"internet\",\n\
             )),\n\
             (name = \"internet\", network = (allow = [\"public\", \"private\", \"local\"])),\n\
             {services}\n\
           ],\n\
           sockets = [(name = \"http\", address = \"127.0.0.1:{port}\", http = (), service = \"main\")],\n\
         );\n",
        modules = modules.join(", "),
        bindings = bindings.join(",\n                 "),
        services = services.join(",\n"),
    )
}

impl PlainWorkerd {
    /// Writes the config next to `log`, starts workerd on it and waits until it serves.
    pub fn start(
        script: &Path,
        port: u16,
        vars: &BTreeMap<String, String>,
        pooler: Option<&Pooler>,
        log: &Path,
    ) -> crate::Result<Self> {
        Self::prepare(script, port, vars, pooler, log)?
            .spawn()?
            .serving()
    }

    /// Writes the config next to `log`; nothing runs yet.
    pub fn prepare(
        script: &Path,
        port: u16,
        vars: &BTreeMap<String, String>,
        pooler: Option<&Pooler>,
        log: &Path,
    ) -> crate::Result<Prepared> {
        let dir = log.with_extension("d");
        std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        let copy = |from: &Path, name: &str| {
            std::fs::copy(from, dir.join(name))
                .map(drop)
                .map_err(|e| format!("{}: {e}", from.display()))
        };
        copy(script, "index.js")?;
        let wasm = script.with_file_name("index_bg.wasm");
        if wasm.exists() {
            copy(&wasm, "index_bg.wasm")?;
        }
        let config_path = dir.join("config.capnp");
        std::fs::write(&config_path, config(wasm.exists(), port, vars, pooler))
            .map_err(|e| format!("{}: {e}", config_path.display()))?;
        let out = std::fs::File::create(log).map_err(|e| format!("{}: {e}", log.display()))?;
        let err = out.try_clone().map_err(|e| e.to_string())?;
        let mut command =
            Command::new(root().join("node_modules/@cloudflare/workerd-linux-64/bin/workerd"));
        command
            .arg("serve")
            .arg(&config_path)
            .arg("--experimental")
            .stdin(Stdio::null())
            .stdout(out)
            .stderr(err);
        Ok(Prepared {
            command,
            port,
            log: log.to_owned(),
        })
    }

    /// Waits until `/health` answers 200 (the trivial worker answers every path).
    pub fn serving(mut self) -> crate::Result<Self> {
        let (port, log) = (self.port, self.log.clone());
        let started = Instant::now();
        loop {
            if let Ok((200, _)) = net::http_get(port, "/health", Duration::from_secs(2)) {
                return Ok(self);
            }
            if let Ok(Some(status)) = self.child.try_wait() {
                return Err(format!("workerd exited ({status}); see {}", log.display()));
            }
            if started.elapsed() > Duration::from_secs(60) {
                return Err(format!(
                    "workerd did not serve within 60 s; see {}",
                    log.display()
                ));
            }
            std::thread::sleep(Duration::from_millis(200));
        }
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Whether workerd is still running (`Err` with its log when it exited).
    pub fn alive(&mut self) -> crate::Result<()> {
        match self.child.try_wait() {
            Ok(Some(status)) => Err(format!(
                "workerd exited ({status}); see {}",
                self.log.display()
            )),
            _ => Ok(()),
        }
    }
}

impl Prepared {
    /// Attaches the V8 inspector on loopback `port` (the profiler's; the bench runs without).
    pub fn with_inspector(mut self, port: u16) -> Self {
        self.command
            .arg(format!("--inspector-addr=127.0.0.1:{port}"));
        self
    }

    /// Starts workerd; it compiles the module and begins to listen on its own time.
    pub fn spawn(mut self) -> crate::Result<PlainWorkerd> {
        let child = self
            .command
            .spawn()
            .map_err(|e| format!("cannot start workerd: {e}"))?;
        Ok(PlainWorkerd {
            port: self.port,
            child,
            log: self.log,
        })
    }
}

impl Drop for PlainWorkerd {
    fn drop(&mut self) {
        crate::stack::signal(self.child.id(), "TERM");
        let _ = self.child.wait();
    }
}
