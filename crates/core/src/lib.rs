//! The phone-auth domain: what the service decides, never how it talks to the world.
//!
//! Where things live:
//! - [`account`]: the user id, the scope (and who may administer), the user.
//! - [`admin`]: the admin user listing's validated query.
//! - [`error`]: the stable error codes of the HTTP contract and the status each one maps to.
//! - [`ports`]: the traits (contracts) that adapters implement: clock, randomness, backend
//!   probes, the OTP store, the SMS sender, the account store, the token signer.
//! - [`phone`], [`session`], [`otp`], [`secrets`]: validated values made once at the edge, and
//!   the codes, ids and tokens made from secure randomness.
//! - [`bodies`]: the JSON request bodies, parsed from bytes (fuzzed natively).
//! - [`client_address`]: the address a limit counts against (IPv6 cut to a prefix).
//! - [`edge`]: what the edge says about a caller (country, network, bot score, fingerprints).
//! - [`risk`]: the risk decision of a send from those signals: allow, bot check, or refuse.
//! - [`quota`]: the caller's own quota as the RateLimit header fields say it.
//! - [`delivery`]: the channels a code goes by (SMS, WhatsApp, voice) and their fallback.
//! - [`sms_text`], [`voice_text`]: what an SMS says and a voice call speaks, per language.
//! - [`regions`]: the data region that holds a number's account.
//! - [`profile`]: the HTTP contract the worker speaks (this service's, or the Go service's).
//! - [`settings`]: the OTP and token policy with its defaults and bounds.
//! - [`deployment`]: what a configuration must meet to serve (production refusals, secret length).
//! - [`token`]: access-token claims and their compact JWS form.
//! - [`usecases`]: send-otp, login, refresh, logout and the admin requests over the ports, each
//!   with its error-to-contract mapping.
//! - [`readiness`]: the readiness use case behind `GET /ready`.
//! - [`probe_throttle`]: at most one backend probe per interval, so `/ready` multiplies no load.
//! - [`routes`]: the operations of the HTTP contract, declared once, and how a path resolves.
//! - [`policy`]: the checks every request passes before its handler (body cap, JSON content
//!   type, CSRF), decided from the route table.
//! - [`metrics`]: which counters each answered request increments.
//! - [`time`]: RFC 3339 formatting of Unix seconds.
//! - `testing` (feature `testing`): in-memory doubles of the ports and the contract suites that
//!   hold doubles and real adapters to one behaviour.
//!
//! Architecture invariant: this crate does no I/O and never reads the clock or a random generator
//! itself. Everything it needs from outside arrives through a port, so every behaviour is testable
//! by feeding it time, bytes and fake backends. It builds for native and `wasm32-unknown-unknown`.

pub mod account;
pub mod admin;
pub mod bodies;
pub mod client_address;
pub mod delivery;
pub mod deployment;
pub mod edge;
pub mod error;
pub mod metrics;
pub mod otp;
pub mod phone;
pub mod policy;
pub mod ports;
pub mod probe_throttle;
pub mod profile;
pub mod quota;
pub mod readiness;
pub mod regions;
pub mod risk;
pub mod routes;
pub mod secrets;
pub mod session;
pub mod settings;
pub mod sms_text;
#[cfg(any(test, feature = "testing"))]
pub mod testing;
pub mod time;
pub mod token;
pub mod usecases;
pub mod voice_text;

pub use error::ErrorCode;
