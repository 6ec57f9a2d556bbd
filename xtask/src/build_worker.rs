//! The wasm bundle in `build/`, rebuilt only when something it is built from changed.
//!
//! `wrangler dev` runs the `[build] command` on every start; this check keeps that a no-op when
//! nothing changed (worker-build itself would re-run wasm-bindgen and wasm-opt every time).

use crate::proc::{self, note, step};
use crate::{root, toolchain};
use std::path::Path;
use std::process::Command;
use std::time::SystemTime;

/// What the bundle is built from.
const INPUTS: &[&str] = &[
    "src",
    "crates/core",
    "crates/adapters",
    "openapi",
    "Cargo.toml",
    "Cargo.lock",
];

/// The files of the npm package swagger-ui-dist that the /docs page (`assets/docs/`) loads, with
/// its license and notice.
const SWAGGER_UI_FILES: &[&str] = &[
    "swagger-ui-bundle.js",
    "swagger-ui.css",
    "favicon-32x32.png",
    "LICENSE",
    "NOTICE",
];

pub fn build_worker(force: bool) -> crate::Result<()> {
    let root = root();
    copy_swagger_ui(&root)?;
    step("build-worker: wasm bundle");
    let output = root.join("build/index.js");
    if !force {
        if let (Some(built), Some(newest)) = (mtime(&output), newest_input(&root)) {
            if built > newest {
                note("up to date");
                return Ok(());
            }
        }
    }
    let mut cmd = Command::new(toolchain::cargo_bin("worker-build"));
    cmd.arg("--release").current_dir(&root);
    for (name, value) in toolchain::worker_build_env() {
        cmd.env(name, value);
    }
    proc::run(
        &mut cmd,
        "run `cargo xtask setup` first if worker-build or wasm-bindgen is missing",
    )?;
    let wasm = root.join("build/index_bg.wasm");
    if let Ok(meta) = std::fs::metadata(&wasm) {
        note(&format!("{} is {} bytes", wasm.display(), meta.len()));
    }
    Ok(())
}

/// The smallest worker of the same toolchain (`bench/trivial-worker`, a workspace of its own),
/// for the start-up benchmark; answers its script. Built when its sources changed.
pub fn build_trivial_worker() -> crate::Result<std::path::PathBuf> {
    step("build-worker: the trivial wasm worker (bench/trivial-worker)");
    let dir = root().join("bench/trivial-worker");
    let output = dir.join("build/index.js");
    let newest = ["src", "Cargo.toml", "Cargo.lock"]
        .iter()
        .filter_map(|p| newest_under(&dir.join(p)))
        .max();
    if matches!((mtime(&output), newest), (Some(built), Some(n)) if built > n) {
        note("up to date");
        return Ok(output);
    }
    let mut cmd = Command::new(toolchain::cargo_bin("worker-build"));
    cmd.arg("--release").current_dir(&dir);
    for (name, value) in toolchain::worker_build_env() {
        cmd.env(name, value);
    }
    proc::run(&mut cmd, "the trivial worker did not build")?;
    Ok(output)
}

/// Swagger UI into `assets/docs/vendor/`, the static assets wrangler serves (and uploads on
/// deploy): the page fetches nothing from another origin at run time.
fn copy_swagger_ui(root: &Path) -> crate::Result<()> {
    let from = root.join("node_modules/swagger-ui-dist");
    let to = root.join("assets/docs/vendor");
    std::fs::create_dir_all(&to).map_err(|e| format!("cannot create {}: {e}", to.display()))?;
    for file in SWAGGER_UI_FILES {
        let source = from.join(file);
        if !source.exists() {
            return Err(format!(
                "{} is missing: run `cargo xtask setup` (npm packages)",
                source.display()
            ));
        }
        let target = to.join(file);
        // None (not yet copied) orders before any time.
        if mtime(&target) < mtime(&source) {
            std::fs::copy(&source, &target)
                .map_err(|e| format!("cannot copy {}: {e}", source.display()))?;
        }
    }
    Ok(())
}

fn mtime(path: &Path) -> Option<SystemTime> {
    std::fs::metadata(path).and_then(|m| m.modified()).ok()
}

fn newest_input(root: &Path) -> Option<SystemTime> {
    INPUTS
        .iter()
        .filter_map(|p| newest_under(&root.join(p)))
        .max()
}

fn newest_under(path: &Path) -> Option<SystemTime> {
    let meta = std::fs::metadata(path).ok()?;
    if !meta.is_dir() {
        return meta.modified().ok();
    }
    std::fs::read_dir(path)
        .ok()?
        .filter_map(|entry| entry.ok())
        .filter(|entry| entry.file_name() != "target")
        .filter_map(|entry| newest_under(&entry.path()))
        .max()
}

/// The wasm module's size, raw and gzipped (what the Workers size limit counts).
pub fn bundle_sizes() -> crate::Result<(u64, u64)> {
    let wasm = root().join("build/index_bg.wasm");
    let raw = std::fs::metadata(&wasm)
        .map_err(|e| format!("{}: {e}", wasm.display()))?
        .len();
    let gz = crate::proc::output(
        std::process::Command::new("sh")
            .args(["-c", &format!("gzip -9 -c '{}' | wc -c", wasm.display())]),
    )
    .and_then(|s| s.trim().parse().ok())
    .ok_or("gzip of the bundle failed")?;
    Ok((raw, gz))
}
