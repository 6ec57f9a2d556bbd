//! `wrangler dev` serving the worker on workerd, wired to this stack's backends.
//!
//! Every setting reaches the worker as `--var NAME:VALUE`, which wins over wrangler.toml's
//! `[vars]` and over `.dev.vars`, so a run's configuration is exactly the map it was given. The
//! map is also written to `worker-vars.json` in the instance's directory, for the end-to-end
//! tests (they read the webhook secret and the signing key from it).

use super::{net, StackLayout};
use crate::proc::note;
use crate::toolchain;
use std::collections::BTreeMap;
use std::os::unix::process::CommandExt;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// How long the first start may take: it may build the wasm bundle.
const START_LIMIT: Duration = Duration::from_secs(600);

/// One `wrangler dev` to start: where it listens, where it keeps state, what it is told.
pub struct Instance {
    pub name: String,
    pub port: u16,
    pub inspector_port: u16,
    /// State, the vars file and (when not inherited) the log live here.
    pub dir: PathBuf,
    pub vars: BTreeMap<String, String>,
    /// The pooler URL behind the Hyperdrive binding.
    pub hyperdrive_url: String,
    pub inherit_output: bool,
    /// Another wrangler config than the project's `wrangler.toml` (the signing benchmark's).
    pub config: Option<PathBuf>,
}

impl Instance {
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    pub fn log_path(&self) -> PathBuf {
        self.dir.join("wrangler.log")
    }
}

/// The settings that wire a worker to a stack's gateway and pooler.
pub fn stack_vars(p: &StackLayout, gateway_token: &str) -> BTreeMap<String, String> {
    BTreeMap::from([
        ("REDIS_REST_URL".to_owned(), p.gateway_url()),
        ("REDIS_REST_TOKEN".to_owned(), gateway_token.to_owned()),
        ("POSTGRES_TLS".to_owned(), "off".to_owned()),
        ("ENVIRONMENT".to_owned(), "development".to_owned()),
    ])
}

/// Starts `wrangler dev` in its own process group (so it and its workerd can be stopped together).
pub fn start(instance: &Instance, port_var: &str, inspector_var: &str) -> crate::Result<Child> {
    net::ensure_free(
        instance.port,
        &format!("wrangler dev ({})", instance.name),
        port_var,
    )?;
    net::ensure_free(
        instance.inspector_port,
        "the wrangler inspector",
        inspector_var,
    )?;
    std::fs::create_dir_all(&instance.dir)
        .map_err(|e| format!("cannot create {}: {e}", instance.dir.display()))?;
    let vars_path = instance.dir.join("worker-vars.json");
    let vars_json = serde_json::to_string_pretty(&instance.vars).map_err(|e| e.to_string())?;
    std::fs::write(&vars_path, vars_json)
        .map_err(|e| format!("cannot write {}: {e}", vars_path.display()))?;
    let mut cmd = toolchain::wrangler();
    cmd.args([
        "dev",
        "--ip",
        "127.0.0.1",
        "--port",
        &instance.port.to_string(),
    ])
    .args(["--inspector-port", &instance.inspector_port.to_string()])
    .args([
        "--persist-to",
        &instance.dir.join("wrangler").display().to_string(),
    ])
    .args([
        "--show-interactive-dev-session=false",
        "--log-level",
        // "log" is the level that shows the worker's console.log (the console SMS provider).
        "log",
    ]);
    if let Some(config) = &instance.config {
        cmd.arg("--config").arg(config);
    }
    for (name, value) in &instance.vars {
        cmd.args(["--var", &format!("{name}:{value}")]);
    }
    cmd.env(
        "CLOUDFLARE_HYPERDRIVE_LOCAL_CONNECTION_STRING_HYPERDRIVE",
        with_password(&instance.hyperdrive_url),
    )
    .stdin(Stdio::null())
    .process_group(0);
    for (name, value) in toolchain::worker_build_env() {
        cmd.env(name, value);
    }
    if !instance.inherit_output {
        let log_path = instance.log_path();
        let log = std::fs::File::create(&log_path)
            .map_err(|e| format!("cannot create {}: {e}", log_path.display()))?;
        let err = log.try_clone().map_err(|e| e.to_string())?;
        cmd.stdout(log).stderr(err);
        note(&format!("wrangler output: {}", log_path.display()));
    }
    cmd.spawn()
        .map_err(|e| format!("cannot start wrangler ({e}); run `cargo xtask setup`"))
}

/// Waits until `GET /health` answers 200, failing early if wrangler exits.
pub fn wait_healthy(instance: &Instance, child: &mut Child) -> crate::Result<()> {
    let started = Instant::now();
    while started.elapsed() < START_LIMIT {
        if crate::proc::interrupted() {
            return Err("interrupted".into());
        }
        if let Ok(Some(status)) = child.try_wait() {
            return Err(format!(
                "wrangler dev exited ({status}) before serving; see its output above or {}",
                instance.log_path().display()
            ));
        }
        if let Ok((200, _)) = net::http_get(instance.port, "/health", Duration::from_secs(2)) {
            note(&format!(
                "worker answered /health after {:.1}s",
                started.elapsed().as_secs_f64()
            ));
            return Ok(());
        }
        std::thread::sleep(Duration::from_millis(250));
    }
    Err(format!(
        "the worker did not answer /health within {START_LIMIT:?}"
    ))
}

/// SIGTERM to the child's whole process group (wrangler, its esbuild and workerd), then SIGKILL
/// if it has not exited within five seconds.
pub fn terminate_group(child: &mut Child) {
    let group = format!("-{}", child.id());
    let _ = Command::new("kill")
        .args(["-TERM", "--", &group])
        .stderr(Stdio::null())
        .status();
    let started = Instant::now();
    while started.elapsed() < Duration::from_secs(5) {
        if let Ok(Some(_)) = child.try_wait() {
            return;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let _ = Command::new("kill")
        .args(["-KILL", "--", &group])
        .stderr(Stdio::null())
        .status();
    let _ = child.wait();
}

/// A worker that is stopped when dropped: for the end-to-end tests' extra configurations.
pub struct RunningWorker {
    pub instance: Instance,
    child: Child,
}

impl RunningWorker {
    /// Starts an instance and waits for it to serve.
    pub fn start(instance: Instance) -> crate::Result<Self> {
        let mut child = start(&instance, "(a free port)", "(a free port)")?;
        if let Err(e) = wait_healthy(&instance, &mut child) {
            terminate_group(&mut child);
            return Err(e);
        }
        Ok(Self { instance, child })
    }
}

impl Drop for RunningWorker {
    fn drop(&mut self) {
        terminate_group(&mut self.child);
    }
}

/// Wrangler's local Hyperdrive binding refuses a connection string without a password, even
/// for a server with trust authentication (which ignores it): such a URL gets a placeholder.
pub fn with_password(url: &str) -> String {
    let parts = super::postgres::ConnParts::parse(url);
    if !parts.password.is_empty() {
        return url.to_owned();
    }
    let with = super::postgres::ConnParts {
        password: "trust-auth-ignores-this".into(),
        ..parts
    };
    with.with_host_port(&with.host.clone(), with.port)
}

#[cfg(test)]
mod tests {
    use super::with_password;

    #[test]
    fn a_url_without_a_password_gets_a_placeholder_and_others_are_kept() {
        let bare = with_password("postgres://postgres@127.0.0.1:56442/auth");
        assert_eq!(
            bare,
            "postgres://postgres:trust-auth-ignores-this@127.0.0.1:56442/auth"
        );
        let given = "postgres://auth:auth@127.0.0.1:56442/auth";
        assert_eq!(with_password(given), given);
    }
}
