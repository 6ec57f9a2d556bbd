//! Helpers shared by the end-to-end tests: where the worker is, HTTP helpers, the SMS webhook
//! receiver, extra worker configurations, and control over the stack's backends for fault tests.
//! Run through `cargo xtask test`, which starts the stack and sets `E2E_*`.
//!
//! Where things live:
//! - [`api`]: calling the auth API as a client would.
//! - [`openapi`]: every answer checked against the OpenAPI document the worker serves.
//! - [`go_client`]: a client of the Go service, cookie jar and all, against its own document.
//! - [`webhook`]: the receiver of the worker's deliveries, checking their signatures.
//! - [`turnstile`]: a local stand-in of Turnstile's siteverify, strict about the request shape.
//! - [`browser`]: headless Chromium through chromedriver, for the hostile-page tests.
//! - [`variants`]: extra workers with other settings, for limits the defaults reach slowly.
//! - [`costs`]: round trips counted outside the worker (gateway log, PgBouncer statistics).
//! - [`jwt`]: access tokens signed and read outside the worker.
//! - [`dpop`]: a DPoP client: its key, its proofs (well made or tampered), requests with them.
//! - [`passkey`]: a passkey authenticator in software: registrations and assertions, made
//!   right or wrong on purpose.
//! - [`pumping`]: an SMS pumping attack beside ordinary users.
//! - [`denial`]: an attack on the pumping defence itself, aimed at locking real users out.

pub mod api;
pub mod browser;
pub mod costs;
pub mod denial;
pub mod dpop;
pub mod go_client;
pub mod jwt;
pub mod openapi;
pub mod passkey;
pub mod pumping;
pub mod turnstile;
pub mod variants;
pub mod webhook;

use serde_json::Value;
use std::collections::BTreeMap;
use std::time::{Duration, Instant};
use xtask::stack::StackLayout;

/// The worker's base URL, e.g. `http://127.0.0.1:8797`.
pub fn base_url() -> String {
    std::env::var("E2E_BASE_URL")
        .expect("E2E_BASE_URL must point at a running worker; run the end-to-end tests with `cargo xtask test`")
}

/// The stack the worker runs on (its backends are the ones the fault tests stop).
pub fn stack() -> StackLayout {
    match std::env::var("E2E_STACK").as_deref() {
        Ok("dev") => StackLayout::dev(),
        // The citus tier's stack: the worker's Hyperdrive binding reaches a Citus coordinator.
        Ok("citus") => StackLayout::citus(),
        _ => StackLayout::test(),
    }
}

/// The settings the main test worker was started with (`worker-vars.json`).
pub fn worker_vars() -> BTreeMap<String, String> {
    let dir = std::env::var("E2E_WORKER_DIR").expect("E2E_WORKER_DIR is set by `cargo xtask test`");
    let text =
        std::fs::read_to_string(format!("{dir}/worker-vars.json")).expect("the worker's vars file");
    serde_json::from_str(&text).expect("the worker's vars file is JSON")
}

/// The main worker's log, for the tests that check what was (not) logged.
pub fn worker_log() -> String {
    let dir = std::env::var("E2E_WORKER_DIR").expect("E2E_WORKER_DIR is set by `cargo xtask test`");
    std::fs::read_to_string(format!("{dir}/wrangler.log")).unwrap_or_default()
}

/// A connection to a PostgreSQL of the stack (the database, not the pooler), for checking rows.
pub async fn database(url: &str) -> tokio_postgres::Client {
    let (client, connection) = tokio_postgres::connect(url, tokio_postgres::NoTls)
        .await
        .unwrap_or_else(|e| panic!("cannot connect to the test database: {e}"));
    tokio::spawn(connection);
    client
}

/// The `/metrics` text of the worker at `base`, scraped with `token`.
pub async fn metrics_text(base: &str, token: &str) -> String {
    reqwest::Client::new()
        .get(format!("{base}/metrics"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap_or_else(|e| panic!("GET /metrics: the worker did not answer: {e}"))
        .text()
        .await
        .unwrap()
}

/// One GET; returns the status, the body as JSON (Null if it is not JSON), and the time taken.
pub async fn get(path: &str) -> (u16, Value, Duration) {
    let started = Instant::now();
    let response = reqwest::Client::new()
        .get(format!("{}{path}", base_url()))
        .timeout(Duration::from_secs(15))
        .send()
        .await
        .unwrap_or_else(|e| panic!("GET {path}: the worker did not answer: {e}"));
    let status = response.status().as_u16();
    let body = response.json().await.unwrap_or(Value::Null);
    openapi::check("GET", path, status, &body);
    (status, body, started.elapsed())
}

/// Polls `path` until it answers `status`, failing after `limit`.
pub async fn wait_for_status(path: &str, status: u16, limit: Duration) -> Value {
    let started = Instant::now();
    loop {
        let (got, body, _) = get(path).await;
        if got == status {
            return body;
        }
        assert!(
            started.elapsed() < limit,
            "{path} still answers {got} after {limit:?}: {body}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}
