//! Redis over the Upstash REST protocol: JSON command arrays over HTTPS with a bearer token.
//!
//! The same client talks to Upstash in production and to this repository's `redis-rest` gateway
//! locally. Only the transport differs by target (`transport.rs`: reqwest natively, the runtime's
//! `fetch` in wasm32); the protocol above it is one code, tested natively and under Node against
//! the real gateway.

mod client;
mod once;
mod otp_store;
mod reply;
mod request_counter;
mod script_reply;
mod transport;

pub use client::{RedisError, UpstashRedis};
pub use once::UpstashOnce;
pub use otp_store::{open_breakers_key, script_shas, UpstashOtpStore};
pub use reply::Reply;
pub use request_counter::count_request;
