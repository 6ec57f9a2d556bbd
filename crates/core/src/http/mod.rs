//! The HTTP-facing policy: what the contract looks like from outside, decided without doing
//! I/O, so the worker only binds it to the runtime.
//!
//! - [`routes`]: the operations of the contract, declared once, and how a path resolves.
//! - [`policy`]: the checks every request passes before its handler (body cap, JSON content
//!   type, cross-site refusal, CSRF), decided from the route table.
//! - [`error`]: the stable error codes and the status each one maps to.
//! - [`bodies`]: the JSON request bodies, parsed from bytes (fuzzed natively).
//! - [`api_profile`]: which contract the worker speaks (`API_PROFILE`: this service's, or the
//!   Go service's), with its cookie names, health body and RateLimit fields.
//! - [`metrics`]: which counters each answered request increments.
//! - [`oauth`]: the OAuth endpoints' form bodies, error shape and metadata document.
//! - [`passkey_bodies`]: the passkey routes' bodies (WebAuthn's JSON forms), decoded to bytes.

pub mod api_profile;
pub mod bodies;
pub mod error;
pub mod metrics;
pub mod oauth;
pub mod passkey_bodies;
pub mod policy;
pub mod routes;
