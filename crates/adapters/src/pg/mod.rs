//! Postgres through a connected `tokio_postgres::Client`.

mod accounts;
pub mod catalogue;
pub mod migrate;
mod store;

// sqlparser is a native dev-dependency: the proof runs with the native tests.
#[cfg(all(test, not(target_arch = "wasm32")))]
mod citus_routing;

pub use accounts::PgAccountStore;
pub use store::{PgError, PgStore};
