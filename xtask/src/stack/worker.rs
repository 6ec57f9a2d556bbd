//! `wrangler dev` serving the worker on workerd, wired to this stack's backends.

use super::{net, Profile};
use crate::proc::note;
use crate::toolchain;
use std::os::unix::process::CommandExt;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// How long the first start may take: it may build the wasm bundle.
const START_LIMIT: Duration = Duration::from_secs(600);

/// Starts `wrangler dev` in its own process group (so it and its workerd can be stopped together).
pub fn start(p: &Profile, gateway_token: &str, inherit_output: bool) -> crate::Result<Child> {
    net::ensure_free(
        p.worker_port,
        "wrangler dev",
        &Profile::port_var(p.name, "WORKER"),
    )?;
    net::ensure_free(
        p.inspector_port,
        "the wrangler inspector",
        &Profile::port_var(p.name, "INSPECTOR"),
    )?;
    let mut cmd = toolchain::wrangler();
    cmd.args([
        "dev",
        "--ip",
        "127.0.0.1",
        "--port",
        &p.worker_port.to_string(),
    ])
    .args(["--inspector-port", &p.inspector_port.to_string()])
    .args([
        "--persist-to",
        &p.dir.join("wrangler").display().to_string(),
    ])
    .args([
        "--show-interactive-dev-session=false",
        "--log-level",
        "info",
    ])
    .args(["--var", &format!("REDIS_REST_URL:{}", p.gateway_url())])
    .args(["--var", &format!("REDIS_REST_TOKEN:{gateway_token}")])
    .args(["--var", "POSTGRES_TLS:off"])
    .env(
        "CLOUDFLARE_HYPERDRIVE_LOCAL_CONNECTION_STRING_HYPERDRIVE",
        p.pooler_url(),
    )
    .stdin(Stdio::null())
    .process_group(0);
    for (name, value) in toolchain::worker_build_env() {
        cmd.env(name, value);
    }
    if !inherit_output {
        let log_path = p.dir.join("wrangler.log");
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
pub fn wait_healthy(p: &Profile, child: &mut Child) -> crate::Result<()> {
    let started = Instant::now();
    while started.elapsed() < START_LIMIT {
        if crate::proc::interrupted() {
            return Err("interrupted".into());
        }
        if let Ok(Some(status)) = child.try_wait() {
            return Err(format!(
                "wrangler dev exited ({status}) before serving; see its output above or {}",
                p.dir.join("wrangler.log").display()
            ));
        }
        if let Ok((200, _)) = net::http_get(p.worker_port, "/health", Duration::from_secs(2)) {
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
