//! Postgres through a connected `tokio_postgres::Client`.

mod accounts;
pub mod catalogue;
// Applied by the migrator; the routing proof reads them too.
#[cfg(not(target_arch = "wasm32"))]
pub mod functions;
// Migrations run from native tools only (xtask, tests), never from the worker.
#[cfg(not(target_arch = "wasm32"))]
pub mod migrate;
#[cfg(not(target_arch = "wasm32"))]
mod split;
mod store;

// sqlparser is a native dev-dependency: the proof runs with the native tests.
#[cfg(all(test, not(target_arch = "wasm32")))]
mod citus_delegation;
#[cfg(all(test, not(target_arch = "wasm32")))]
mod citus_routing;

pub use accounts::PgAccountStore;
pub use store::{PgError, PgStore};
