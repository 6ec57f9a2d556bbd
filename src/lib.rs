//! The edge worker: HTTP in, JSON out, backends through Hyperdrive and the Redis REST protocol.
//!
//! This crate is the only one that knows the `worker` crate. It parses requests, reads
//! configuration from the Workers environment, connects to the backends, and hands the work to
//! `auth-core` through the adapters in `auth-adapters`.
//!
//! Where things live:
//! - [`config`]: settings and secrets from the Workers environment.
//! - [`postgres`]: one Postgres connection per request through the Hyperdrive binding, always
//!   closed before the response is sent.
//! - [`probes`]: the backend probes behind `/ready`.
//! - [`routes`]: one way through: resolve (the table is `auth_core::http::routes`), central policies,
//!   context, handler, CORS, metrics, log. One module per group of handlers.
//! - [`context`]: the request context handlers take, with lazily made backends.
//! - [`outcome`]: what handlers return: the response, its error code, event and user.
//! - [`extract`]: the bearer caller and the presented refresh token.
//! - [`responses`]: the JSON shapes shared by handlers, token delivery.
//! - [`access_log`]: one structured JSON line per request.
//! - [`metrics`]: counts batched per isolate and written to Redis after the response.
//! - [`request`]: headers, the client's address, the capped body.
//! - [`cookies`]: the cookies of cookie mode.
//! - [`cors`]: CORS for the configured origins.
//! - [`platform`]: the runtime's clock and CSPRNG as core ports.
//! - [`signer`]: ES256 signing with WebCrypto, the key imported once per isolate.
//! - [`keyring`]: the verification keys, the JWKS, bearer-token verification with WebCrypto.
//! - [`webcrypto`]: small helpers over `crypto.subtle`.
//! - [`sms`]: the configured SMS provider.
//! - [`accounts`]: the account store with one Hyperdrive connection per call.
//!
//! The whole crate is wasm32-only; on a native target it compiles to nothing, so
//! `cargo test --workspace` natively does not need the Workers runtime.
#![cfg(target_arch = "wasm32")]

mod access_log;
mod accounts;
#[cfg(feature = "bench")]
mod bench;
mod config;
mod context;
mod cookies;
mod cors;
mod dpop;
mod edge;
mod extract;
mod keyring;
mod metrics;
mod outcome;
mod platform;
mod postgres;
mod probes;
mod regions;
mod request;
mod request_limit;
mod responses;
mod routes;
mod sending;
mod signer;
mod sms;
mod webcrypto;

use worker::{event, Context, Env, Request, Response, Result};

#[event(fetch)]
async fn fetch(request: Request, env: Env, ctx: Context) -> Result<Response> {
    routes::handle(request, env, ctx).await
}
