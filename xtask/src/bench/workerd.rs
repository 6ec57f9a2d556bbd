//! A worker on plain `workerd serve`, configured here: no wrangler, no Miniflare, no inspector
//! (the closest local stand-in for how the edge runs it). The Hyperdrive binding points
//! straight at the pooler, outbound fetches may reach loopback (the gateway). Stopped when
//! dropped.

use crate::root;
use crate::stack::net;
use std::collections::BTreeMap;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Where the Hyperdrive binding leads.
pub struct Pooler<'a> {
    pub address: String,
    pub database: &'a str,
    pub user: &'a str,
    pub password: &'a str,
}

pub struct PlainWorkerd {
    pub port: u16,
    child: Child,
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
            text(p.database),
            text(p.user),
            text(p.password)
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
    /// Writes the config next to `log` and starts workerd on it.
    pub fn start(
        script: &Path,
        port: u16,
        vars: &BTreeMap<String, String>,
        pooler: Option<&Pooler>,
        log: &Path,
    ) -> crate::Result<Self> {
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
        let child =
            Command::new(root().join("node_modules/@cloudflare/workerd-linux-64/bin/workerd"))
                .arg("serve")
                .arg(&config_path)
                .arg("--experimental")
                .stdin(Stdio::null())
                .stdout(out)
                .stderr(err)
                .spawn()
                .map_err(|e| format!("cannot start workerd: {e}"))?;
        let mut worker = Self { port, child };
        let started = Instant::now();
        loop {
            if let Ok((200, _)) = net::http_get(port, "/health", Duration::from_secs(2)) {
                return Ok(worker);
            }
            if let Ok(Some(status)) = worker.child.try_wait() {
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
}

impl Drop for PlainWorkerd {
    fn drop(&mut self) {
        crate::stack::signal(self.child.id(), "TERM");
        let _ = self.child.wait();
    }
}
