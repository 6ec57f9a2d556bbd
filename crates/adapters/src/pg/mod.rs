//! Postgres through a connected `tokio_postgres::Client`.

mod accounts;
pub mod migrate;
mod store;

pub use accounts::PgAccountStore;
pub use store::{PgError, PgStore};
