//! The operator's commands, apart from the build tooling: what a deployment runs against its
//! own database. Native only and built with plain cargo (no wasm target, Node or wrangler), so
//! a release binary or the migrate image (`docker/migrate.Dockerfile`) carries them; `xtask`
//! uses the same code for the local stacks.
//!
//! Where things live:
//! - [`db`]: a connection, a runtime to run one from synchronous code, PostgreSQL's own words.
//! - [`migrate`]: `migrations/` (compiled in) and the account functions, applied to a database.
//! - [`import_otp_auth`]: the Go service's users and live refresh tokens, moved over.
//! - [`scope`]: a user's scope, set by phone number.
//! - [`keygen`]: a new ES256 signing key for a rotation.

pub mod db;
pub mod import_otp_auth;
pub mod keygen;
pub mod migrate;
pub mod scope;

/// A failure with a message for a person: what went wrong and how to fix it.
pub type Result<T> = std::result::Result<T, String>;
