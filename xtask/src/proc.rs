//! Running commands: readable progress lines, and failures that say what to do.

use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

static INTERRUPTED: AtomicBool = AtomicBool::new(false);

/// Catches Ctrl-C and SIGTERM from here on: instead of dying with children left running, the
/// task runner notices [`interrupted`] at its next wait and shuts the stack down.
pub fn catch_interrupts() {
    let _ = ctrlc::set_handler(|| INTERRUPTED.store(true, Ordering::SeqCst));
}

/// Whether Ctrl-C or SIGTERM arrived since [`catch_interrupts`].
pub fn interrupted() -> bool {
    INTERRUPTED.load(Ordering::SeqCst)
}

/// Prints a step header, e.g. `==> setup: wasm target`.
pub fn step(what: &str) {
    println!("==> {what}");
}

/// Prints an indented detail line under the current step.
pub fn note(what: &str) {
    println!("    {what}");
}

/// Runs a command with inherited output; fails with its status and a hint.
pub fn run(cmd: &mut Command, hint: &str) -> crate::Result<()> {
    let shown = describe(cmd);
    let started = Instant::now();
    let status = cmd
        .status()
        .map_err(|e| format!("cannot run `{shown}`: {e}. {hint}"))?;
    if !status.success() {
        return Err(format!("`{shown}` failed ({status}). {hint}"));
    }
    note(&format!(
        "done in {:.1}s: {shown}",
        started.elapsed().as_secs_f64()
    ));
    Ok(())
}

/// Runs a command with inherited output, showing `shown` instead of its arguments (which may
/// carry a secret) in progress and failure lines.
pub fn run_as(cmd: &mut Command, shown: &str, hint: &str) -> crate::Result<()> {
    let started = Instant::now();
    let status = cmd
        .status()
        .map_err(|e| format!("cannot run {shown}: {e}. {hint}"))?;
    if !status.success() {
        return Err(format!("{shown} failed ({status}). {hint}"));
    }
    note(&format!(
        "done in {:.1}s: {shown}",
        started.elapsed().as_secs_f64()
    ));
    Ok(())
}

/// Runs a command quietly and returns its stdout, or `None` if it cannot run or fails.
pub fn output(cmd: &mut Command) -> Option<String> {
    let out = cmd
        .stdin(Stdio::null())
        .stderr(Stdio::null())
        .output()
        .ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).into_owned())
}

/// Whether a program is on PATH (or is an existing path).
pub fn exists(program: &str) -> bool {
    Command::new("sh")
        .args(["-c", &format!("command -v {program} >/dev/null 2>&1")])
        .status()
        .map(|s| s.success())
        .unwrap_or(false)
}

/// True when this process runs as root (PostgreSQL and PgBouncer refuse to run as root).
pub fn is_root() -> bool {
    output(Command::new("id").arg("-u")).is_some_and(|s| s.trim() == "0")
}

/// A command line for display.
pub fn describe(cmd: &Command) -> String {
    let mut parts = vec![cmd.get_program().to_string_lossy().into_owned()];
    parts.extend(cmd.get_args().map(|a| a.to_string_lossy().into_owned()));
    parts.join(" ")
}
