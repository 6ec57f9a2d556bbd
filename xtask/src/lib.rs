//! The task runner behind `cargo xtask`: toolchain setup, the local stack, migrations, tests.
//!
//! It is a library too, so the end-to-end tests can stop and start backends of the stack they
//! run against (fault tests) with the same code that started them.
//!
//! Where things live:
//! - [`toolchain`]: the idempotent offline bootstrap (wasm target, worker-build, wasm-bindgen,
//!   npm packages, system packages).
//! - [`compose`]: docker-compose.yml checked without a Docker engine.
//! - [`docs_check`]: the documents held to the tree (paths, modules, items, settings).
//! - [`compose_worker`]: the compose worker's command (a development deployment).
//! - [`build_worker`]: the wasm bundle, rebuilt only when a source changed.
//! - [`stack`]: PostgreSQL, Redis, PgBouncer, the REST gateway and `wrangler dev`, per profile.
//! - [`devvars`]: dev secrets and keys in `.dev.vars`.
//! - [`tiers`]: the test command, tier by tier.
//! - [`citus`]: Citus built from its source when missing, and a cluster for the citus tier.
//! - [`fuzz_api`]: Schemathesis against the live worker.
//! - [`bench`]: every endpoint under load against its floor, soak, profiles, bench-pumping.
//! - [`capacity`]: storage and work per user, login, refresh and send, from the service's own
//!   statements and scripts.
//! - [`bench_search`]: the users list's phone search with and without its trigram index.
//! - [`fuzz_parsers`]: the cargo-fuzz targets, each for a while.
//! - [`bench_gateway`]: the REST gateway against plain Redis, in one run.
//! - [`bench_signing`]: ES256 signing in the worker, WebCrypto against pure Rust, in one run.
//! - [`proc`]: running commands with readable progress and failures.

pub mod bench;
pub mod bench_gateway;
pub mod bench_search;
pub mod bench_signing;
pub mod build_worker;
pub mod capacity;
pub mod citus;
pub mod compose;
pub mod compose_worker;
pub mod devvars;
pub mod docs_check;
pub mod fuzz_api;
pub mod fuzz_parsers;
pub mod proc;
pub mod stack;
pub mod tiers;
pub mod toolchain;

use std::path::PathBuf;

/// The workspace root (the directory with the top-level Cargo.toml).
pub fn root() -> PathBuf {
    let manifest = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    manifest
        .parent()
        .expect("xtask lives one level below the workspace root")
        .to_path_buf()
}

/// A failure with a message for a person: what went wrong and how to fix it.
pub type Result<T> = std::result::Result<T, String>;
