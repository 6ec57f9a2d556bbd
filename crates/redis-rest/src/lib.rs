//! An Upstash-compatible Redis REST gateway in front of a real Redis.
//!
//! The worker reaches Redis over HTTP with the Upstash REST protocol. In production that is
//! Upstash itself; for self-hosting and local development this gateway speaks the same protocol
//! to any Redis, so the worker's code is the same everywhere.
//!
//! Where things live:
//! - [`config`]: settings from the environment.
//! - [`pool`]: a small pool of multiplexed, self-reconnecting Redis connections.
//! - [`request`]: turning HTTP requests (JSON arrays, command-in-path) into Redis commands.
//! - [`reply`]: turning Redis replies into the protocol's JSON (plain or base64).
//! - [`http`]: the bearer token check, the reply encoding, the access-log line.
//! - [`server`]: routing, limits and timeouts.

pub mod allow;
pub mod config;
pub mod http;
pub mod listener;
pub mod pool;
pub mod reply;
pub mod request;
pub mod server;
