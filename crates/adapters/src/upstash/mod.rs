//! Redis over the Upstash REST protocol: JSON command arrays over HTTPS with a bearer token.
//!
//! The same client talks to Upstash in production and to this repository's `redis-rest` gateway
//! locally. It uses `reqwest`, which runs on the Workers runtime's `fetch` in wasm and on tokio
//! natively, so the adapter is tested natively against the real gateway and used unchanged at the
//! edge.

mod client;
mod otp_store;
mod reply;
mod request_counter;
mod script_reply;

pub use client::{RedisError, UpstashRedis};
pub use otp_store::{open_breakers_key, UpstashOtpStore};
pub use reply::Reply;
pub use request_counter::count_request;
