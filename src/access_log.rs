//! One structured JSON line per request: request id, method, route, status, latency, client IP,
//! and the user when a handler knows it. Never a body, a token, a code or a query string.
//!
//! Handlers that know the user mark the response with [`USER_HEADER`]; the log takes the id from
//! there and removes the header, so it never leaves the worker.

use crate::request;
use serde_json::json;
use worker::{console_log, Request, Response};

/// Internal response header naming the authenticated user; stripped before the response leaves.
pub const USER_HEADER: &str = "x-internal-user-id";

/// What is known of a request when it arrives.
pub struct Entry {
    request_id: String,
    method: String,
    route: &'static str,
    ip: String,
    started_ms: f64,
}

impl Entry {
    pub fn begin(req: &Request) -> Self {
        let request_id = request::header(req, "cf-ray")
            .filter(|v| v.len() <= 64)
            .unwrap_or_else(|| {
                let mut bytes = [0u8; 8];
                let _ = getrandom::getrandom(&mut bytes);
                bytes.iter().map(|b| format!("{b:02x}")).collect()
            });
        Self {
            request_id,
            method: req.method().to_string(),
            route: route_label(&req.path()),
            ip: request::client_ip(req),
            started_ms: js_sys::Date::now(),
        }
    }

    /// The route template and the latency so far, for the metrics.
    pub fn route(&self) -> &'static str {
        self.route
    }

    pub fn elapsed_ms(&self) -> f64 {
        js_sys::Date::now() - self.started_ms
    }

    /// Writes the line, taking (and removing) the user marker from the response.
    pub fn finish(self, response: &mut Response) {
        let user = response.headers().get(USER_HEADER).ok().flatten();
        let _ = response.headers_mut().delete(USER_HEADER);
        // The clock advances only across I/O inside a worker, so this is the I/O-bound latency.
        let ms = js_sys::Date::now() - self.started_ms;
        console_log!(
            "{}",
            json!({
                "level": "info",
                "msg": "request",
                "request_id": self.request_id,
                "method": self.method,
                "route": self.route,
                "status": response.status_code(),
                "ms": ms,
                "ip": self.ip,
                "user_id": user,
            })
        );
    }
}

/// The route template of a path: a fixed set, so ids in paths never reach the log.
pub fn route_label(path: &str) -> &'static str {
    if let Some(fixed) = crate::routes::PATHS.iter().find(|p| **p == path) {
        return fixed;
    }
    if path.starts_with("/api/v1/auth/sessions/") {
        "/api/v1/auth/sessions/{id}"
    } else if path.starts_with("/api/v1/users/") {
        "/api/v1/users/{id}"
    } else {
        "other"
    }
}
