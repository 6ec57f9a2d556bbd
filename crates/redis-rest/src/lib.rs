//! An Upstash-compatible Redis REST gateway in front of a real Redis.
//!
//! The worker reaches Redis over HTTP with the Upstash REST protocol. In production that is
//! Upstash itself; for self-hosting and local development this gateway speaks the same protocol
//! to any Redis, so the worker's code is the same everywhere.
//!
//! Where things live:
//! - [`config`]: settings from the environment.
//! - [`backend`]: one Redis or a Redis Cluster, behind one interface (`REDIS_REST_MODE`).
//! - [`pool`]: a small pool of multiplexed, self-reconnecting Redis connections (one Redis).
//! - [`cluster`]: a Redis Cluster through the cluster client; pipelines split by slot
//!   ([`slots`]).
//! - [`allow`]: which commands run at all (an allow-list of Upstash's data commands).
//! - [`request`]: turning HTTP requests (JSON arrays, command-in-path) into Redis commands.
//! - [`reply`]: turning Redis replies into the protocol's JSON (plain or base64).
//! - [`scripts`]: which Lua scripts may run (by SHA-1, `REDIS_REST_SCRIPTS`).
//! - [`http`]: the bearer token check, the reply encoding, the access-log line.
//! - [`listener`]: accepting connections under a connection cap and a request-head deadline.
//! - [`server`]: routing, limits and timeouts.

pub mod allow;
pub mod backend;
pub mod cluster;
pub mod config;
pub mod http;
pub mod listener;
pub mod pool;
pub mod reply;
pub mod request;
pub mod scripts;
pub mod server;
pub mod slots;
