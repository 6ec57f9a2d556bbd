//! Adapters from the domain's ports to real backends. They take connected clients and do no
//! connecting of their own, so the same code runs natively (tests, tools) and in the worker.
//!
//! Where things live:
//! - [`pg`]: Postgres over a connected `tokio_postgres::Client` ([`pg::PgStore`]) and the
//!   migration runner ([`pg::migrate`]).
//! - [`pg::PgAccountStore`]: users, sessions and refresh tokens; a login is one statement.
//! - [`upstash`]: Redis over the Upstash REST protocol ([`upstash::UpstashRedis`]): one command,
//!   a pipeline, an atomic multi-exec; and the OTP store on it ([`upstash::UpstashOtpStore`]),
//!   whose steps are the Lua scripts of `upstash/scripts/` run by SHA-1 in one pipeline.
//! - [`metrics`]: the counters in one Redis hash, and their Prometheus text.
//! - [`sms`]: the SMS providers: console, webhook (Standard Webhooks), Twilio.
//! - [`turnstile`]: Cloudflare Turnstile's server-side check of a solved bot challenge.
//! - `web_streams` (wasm32 only): a byte stream over a Web Streams pair, the worker's Postgres
//!   socket.
//!
//! Architecture invariant: nothing here knows the `worker` crate, and every SQL statement is sent
//! unnamed (`query_typed`/`simple_query`), because named prepared statements do not survive the
//! transaction-mode poolers (Hyperdrive, PgBouncer) in front of Postgres.

pub mod metrics;
pub mod pg;
pub mod sms;
pub mod turnstile;
pub mod upstash;
#[cfg(target_arch = "wasm32")]
pub mod web_streams;
