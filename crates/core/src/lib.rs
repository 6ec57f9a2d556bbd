//! The phone-auth domain: what the service decides, never how it talks to the world.
//!
//! Four layers, each a folder:
//! - [`domain`]: the values the service reasons about (phone numbers, codes, sessions, tokens,
//!   accounts, regions) and the decisions made from them alone (the risk of a send, a
//!   message's text, the caller's quota).
//! - [`ports`]: the traits adapters implement (clock, randomness, probes, the OTP store, the
//!   SMS sender, the account store and its lender, the bot check, the token signer), and
//!   `ports::contract` (feature `testing`), the suites that hold every double and real adapter
//!   to one behaviour.
//! - [`usecases`]: send-otp, login, refresh, logout, the number change, deletion, the admin
//!   requests and readiness, over the ports, each with its error-to-contract mapping.
//! - [`http`]: the HTTP-facing policy: the route table, the checks before a handler (CSRF and
//!   the rest), the stable error codes and their statuses, the request bodies, the API profiles
//!   and the metrics each answer counts.
//!
//! The domain and the ports never use the use cases or the HTTP-facing policy
//! (`tests/layers.rs` holds that); the use cases name the HTTP error codes their errors map to.
//!
//! Beside them, [`config`] reads the settings with their defaults and bounds and says what a
//! deployment must meet to serve, and `testing` (feature `testing`) holds the in-memory doubles
//! of the ports.
//!
//! Architecture invariant: this crate does no I/O and never reads the clock or a random generator
//! itself. Everything it needs from outside arrives through a port, so every behaviour is testable
//! by feeding it time, bytes and fake backends. It builds for native and `wasm32-unknown-unknown`.

pub mod config;
pub mod domain;
pub mod http;
pub mod ports;
#[cfg(any(test, feature = "testing"))]
pub mod testing;
pub mod usecases;

pub use http::error::ErrorCode;
