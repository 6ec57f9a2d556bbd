//! The phone-auth domain: what the service decides, never how it talks to the world.
//!
//! Where things live:
//! - [`error`]: the stable error codes of the HTTP contract and the status each one maps to.
//! - [`ports`]: the traits (contracts) that adapters implement: clock, randomness, backend probes.
//! - [`readiness`]: the readiness use case behind `GET /ready`.
//!
//! Architecture invariant: this crate does no I/O and never reads the clock or a random generator
//! itself. Everything it needs from outside arrives through a port, so every behaviour is testable
//! by feeding it time, bytes and fake backends. It builds for native and `wasm32-unknown-unknown`.

pub mod error;
pub mod ports;
pub mod readiness;

pub use error::ErrorCode;
