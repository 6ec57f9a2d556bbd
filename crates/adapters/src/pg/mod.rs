//! Postgres through a connected `tokio_postgres::Client`.

pub mod migrate;
mod store;

pub use store::{PgError, PgStore};
