//! `cargo xtask fuzz-parsers [SECONDS]`: every cargo-fuzz target in `fuzz/` for SECONDS each.
//!
//! cargo-fuzz drives libFuzzer through nightly-only compiler flags; the machine has one stable
//! toolchain, so the run sets `RUSTC_BOOTSTRAP=1` (the stable compiler then accepts them) and
//! builds without a sanitizer (`--sanitizer none`; the targets check their own properties and
//! Rust code has no memory errors to find outside `unsafe`). A crash leaves its input under
//! `fuzz/artifacts/<target>/` and fails the command.

use crate::proc::{self, note, step};
use crate::root;
use std::process::Command;

const TARGETS: [&str; 7] = [
    "phone_number",
    "access_token",
    "refresh_token",
    "request_bodies",
    "admin_query",
    "dpop_proof",
    "webauthn",
];

fn cargo_fuzz_installed() -> bool {
    Command::new("cargo")
        .args(["fuzz", "--version"])
        .output()
        .is_ok_and(|o| o.status.success())
}

pub fn run(seconds: u64) -> crate::Result<()> {
    proc::catch_interrupts();
    if !cargo_fuzz_installed() {
        step("fuzz-parsers: installing cargo-fuzz (crates.io)");
        proc::run(
            Command::new("cargo").args(["install", "cargo-fuzz", "--locked"]),
            "cargo must reach crates.io to install cargo-fuzz",
        )?;
    }
    for target in TARGETS {
        step(&format!("fuzz-parsers: {target} for {seconds} s"));
        proc::run(
            Command::new("cargo")
                .args(["fuzz", "run", "--sanitizer", "none", target, "--"])
                .arg(format!("-max_total_time={seconds}"))
                .arg("-print_final_stats=1")
                .env("RUSTC_BOOTSTRAP", "1")
                .current_dir(root()),
            &format!(
                "the fuzzer found an input that breaks {target}; see fuzz/artifacts/{target}/"
            ),
        )?;
        note(&format!("{target}: no failure in {seconds} s"));
    }
    Ok(())
}
