//! `cargo xtask bench --compare BASE [SECONDS]`: the worker as built from commit BASE and as
//! built from the working tree, each on a plain workerd of its own, on one bench stack. Every
//! endpoint is measured on both in turn (base, head, base, head), so the machine's drift and
//! noise fall on both alike; the report gives each side's worker CPU per request and p50, and
//! head / base for each. A ratio above 1 is a regression.
//!
//! BASE is built once, in a git worktree under `target/compare/` (kept for the next run), with
//! a target directory of its own (`target/compare/target`). Sharing the working tree's made
//! cargo record BASE's sources as the project's crates' inputs, and the working tree's next
//! build then reused BASE's code as fresh: the tiers tested the old worker. The first compare
//! therefore builds the dependencies once more; later ones only the project's crates. After
//! the run, the working tree's bundle is built again and must be the one measured. Both workers
//! run against the working tree's schema: a BASE from before a migration its statements depend
//! on answers errors, and the report says so.

use super::driver::Driver;
use super::endpoints::Endpoint;
use super::measure::{measure, Row, Target};
use super::workerd::{PlainWorkerd, Pooler};
use super::{plain_worker_vars, Runtime, ENDPOINTS};
use crate::proc::{self, note, step};
use crate::stack::{Stack, StackLayout};
use crate::{build_worker, devvars, root, toolchain};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

/// Runs per side and endpoint, interleaved with the other side's.
const ROUNDS: usize = 2;

pub fn compare(base: &str, seconds: u64) -> crate::Result<()> {
    crate::proc::catch_interrupts();
    toolchain::setup()?;
    build_worker::build_worker(false)?;
    let measured = head_bundle()?;
    let base_script = build_base(base)?;
    let head_script = root().join("build/index.js");
    // The stack's gateway must let both workers' scripts run (a script's SHA-1 changes with
    // its text): the stack's child processes inherit this.
    let both = [root(), base_dir(&base_script)]
        .iter()
        .flat_map(|dir| service_scripts(dir))
        .collect::<std::collections::BTreeSet<_>>();
    note(&format!(
        "the gateway allows both workers' {} scripts",
        both.len()
    ));
    std::env::set_var(
        "REDIS_REST_SCRIPTS",
        both.into_iter().collect::<Vec<_>>().join(","),
    );
    let layout = StackLayout::bench();
    let token = devvars::random_token(24);
    let mut stack = Stack::start_backends(layout.clone(), token.clone())?;
    let result = run(
        base,
        &[base_script, head_script],
        &layout,
        &token,
        Duration::from_secs(seconds),
    );
    stack.shutdown();
    let report = result?;
    build_worker::build_worker(false)?;
    if head_bundle()? != measured {
        return Err(
            "after the compare the working tree's worker built differently from the one \
                    measured: BASE's build reached the working tree's target directory"
                .into(),
        );
    }
    println!("\n{report}");
    let path = root().join("target/bench-compare.md");
    std::fs::write(&path, &report).map_err(|e| format!("{}: {e}", path.display()))?;
    note(&format!("written to {}", path.display()));
    Ok(())
}

/// BASE's bundle, built in its own worktree unless an earlier run built it.
fn build_base(base: &str) -> crate::Result<PathBuf> {
    let commit = proc::output(Command::new("git").args([
        "-C",
        &root().display().to_string(),
        "rev-parse",
        "--verify",
        &format!("{base}^{{commit}}"),
    ]))
    .map(|out| out.trim().to_owned())
    .ok_or_else(|| format!("{base:?} names no commit of this repository"))?;
    let dir = root().join("target/compare").join(&commit[..12]);
    let script = dir.join("build/index.js");
    step(&format!(
        "bench --compare: the worker of {base} ({})",
        &commit[..12]
    ));
    if script.exists() {
        note("built by an earlier run");
        return Ok(script);
    }
    if !dir.join(".git").exists() {
        // A worktree whose directory went (a cleaned target/) is still registered: forget it.
        let git = |args: &[&str]| {
            let mut cmd = Command::new("git");
            cmd.arg("-C").arg(root()).args(args);
            cmd
        };
        proc::run(
            &mut git(&["worktree", "prune"]),
            "git worktree prune failed",
        )?;
        proc::run(
            git(&["worktree", "add", "--detach", "--force"])
                .arg(&dir)
                .arg(&commit),
            "git worktree add failed",
        )?;
    }
    let mut cmd = Command::new(toolchain::cargo_bin("worker-build"));
    cmd.arg("--release")
        .current_dir(&dir)
        .env("CARGO_TARGET_DIR", base_target_dir());
    for (name, value) in toolchain::worker_build_env() {
        cmd.env(name, value);
    }
    proc::run(&mut cmd, "the base commit's worker does not build")?;
    Ok(script)
}

/// Where BASE's crates compile: never the working tree's target directory (see the module's
/// note), and kept for the next compare.
fn base_target_dir() -> PathBuf {
    root().join("target/compare/target")
}

/// The working tree's wasm bundle as built now.
fn head_bundle() -> crate::Result<Vec<u8>> {
    let wasm = root().join("build/index_bg.wasm");
    std::fs::read(&wasm).map_err(|e| format!("{}: {e}", wasm.display()))
}

/// The checkout a bundle was built in (`DIR/build/index.js`).
fn base_dir(script: &Path) -> PathBuf {
    script
        .parent()
        .and_then(Path::parent)
        .map_or_else(root, Path::to_path_buf)
}

/// The SHA-1s a checkout's gateway allows by default (`SERVICE_SCRIPTS`), read from its source;
/// none for a checkout from before the allow-list, whose scripts the gateway then refuses (the
/// report counts the errors).
fn service_scripts(checkout: &Path) -> Vec<String> {
    let source = std::fs::read_to_string(checkout.join("crates/redis-rest/src/scripts.rs"))
        .unwrap_or_default();
    let Some(list) = source.split("SERVICE_SCRIPTS").nth(1) else {
        return Vec::new();
    };
    let list = list.split("];").next().unwrap_or_default();
    list.split('"')
        .filter(|s| s.len() == 40 && s.chars().all(|c| c.is_ascii_hexdigit()))
        .map(str::to_owned)
        .collect()
}

/// Both workers up, then each endpoint on each in turn; the report.
fn run(
    base: &str,
    scripts: &[PathBuf; 2],
    layout: &StackLayout,
    token: &str,
    length: Duration,
) -> crate::Result<String> {
    let vars = plain_worker_vars(layout, token)?;
    let pooler = Pooler::of(layout);
    let start = |script: &Path, name: &str| {
        let [port] = crate::stack::net::free_ports::<1>()?;
        let log = layout.dir.join(format!("workerd-compare-{name}.log"));
        PlainWorkerd::start(script, port, &vars, Some(&pooler), &log)
    };
    let workers = [start(&scripts[0], "base")?, start(&scripts[1], "head")?];
    let targets = workers.each_ref().map(Target::plain);
    let mut rows = Vec::new();
    // Every endpoint of the bench with the worker's own code behind it, but the DPoP flows: a
    // BASE from before DPoP answers them 401.
    for endpoint in ENDPOINTS
        .into_iter()
        .filter(|e| *e != Endpoint::TrivialWorker && !e.is_dpop())
    {
        let mut sides: [Vec<Row>; 2] = [Vec::new(), Vec::new()];
        for round in 0..ROUNDS {
            for (side, target) in targets.iter().enumerate() {
                let name = ["base", "head"][side];
                step(&format!(
                    "bench --compare: {} on {name}, round {} of {ROUNDS}",
                    endpoint.name(),
                    round + 1
                ));
                let driver = Driver::for_endpoint(endpoint, target.port)?;
                let row = measure(
                    Runtime::PlainWorkerd,
                    endpoint,
                    target,
                    &driver,
                    layout,
                    length,
                )?;
                sides[side].push(row);
            }
        }
        rows.push((endpoint, Side::of(&sides[0]), Side::of(&sides[1])));
    }
    Ok(report(base, &rows))
}

/// One side's figures for one endpoint, the mean of its rounds.
struct Side {
    cpu_ms: f64,
    p50_ms: f64,
    errors: usize,
}

impl Side {
    fn of(rows: &[Row]) -> Self {
        let n = rows.len().max(1) as f64;
        Side {
            cpu_ms: rows.iter().map(|r| r.worker_cpu_ms).sum::<f64>() / n,
            p50_ms: rows
                .iter()
                .map(|r| r.moderate.percentile_ms(50.0))
                .sum::<f64>()
                / n,
            errors: rows
                .iter()
                .map(|r| r.saturated.errors + r.moderate.errors)
                .sum(),
        }
    }
}

fn report(base: &str, rows: &[(Endpoint, Side, Side)]) -> String {
    let mut out = format!(
        "## `cargo xtask bench --compare {base}`: worker CPU ms per request and p50 ms, plain workerd\n\n\
         | endpoint | CPU base | CPU head | head / base | p50 base | p50 head | head / base | errors |\n\
         |---|---:|---:|---:|---:|---:|---:|---:|\n"
    );
    for (endpoint, b, h) in rows {
        out.push_str(&format!(
            "| {} | {:.3} | {:.3} | {} | {:.2} | {:.2} | {} | {} |\n",
            endpoint.name(),
            b.cpu_ms,
            h.cpu_ms,
            ratio(h.cpu_ms, b.cpu_ms),
            b.p50_ms,
            h.p50_ms,
            ratio(h.p50_ms, b.p50_ms),
            b.errors + h.errors
        ));
    }
    out.push_str(&format!(
        "\nEach side is the mean of {ROUNDS} runs, interleaved. Errors are both sides' together; \
         an endpoint with errors is not comparable (a base from before a migration it needs).\n"
    ));
    out
}

/// `new / old` to two places, or `-` when the old figure is zero.
fn ratio(new: f64, old: f64) -> String {
    if old > 0.0 {
        format!("{:.2}", new / old)
    } else {
        "-".to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::ratio;

    #[test]
    fn the_allowed_scripts_are_read_from_a_checkouts_gateway() {
        let ours = super::service_scripts(&crate::root());
        assert!(ours.len() >= 8, "{ours:?}");
        assert!(ours.iter().all(|sha| sha.len() == 40));
        assert!(super::service_scripts(std::path::Path::new("/nonexistent")).is_empty());
    }

    #[test]
    fn the_base_compiles_outside_the_working_trees_target_directory() {
        let ours = crate::root().join("target");
        let base = super::base_target_dir();
        assert!(
            !ours.starts_with(&base) && base != ours,
            "{}",
            base.display()
        );
    }

    #[test]
    fn a_ratio_reads_head_over_base_and_a_zero_base_gives_none() {
        assert_eq!(ratio(1.5, 1.0), "1.50");
        assert_eq!(ratio(0.5, 2.0), "0.25");
        assert_eq!(ratio(1.0, 0.0), "-");
    }
}
