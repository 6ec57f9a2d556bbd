//! One structured JSON line per request: request id, method, route, status, latency, client IP,
//! and the user when a handler knows it (from its [`Outcome`]). Never a body, a token, a code or
//! a query string.

use crate::outcome::Outcome;
use crate::request;
use serde_json::json;
use worker::{console_log, Request};

/// What is known of a request when it arrives.
pub struct Entry {
    request_id: String,
    method: String,
    route: &'static str,
    ip: String,
    started_ms: f64,
}

impl Entry {
    /// `route` is the route table's label for the path: a template, never the path itself.
    pub fn begin(req: &Request, route: &'static str) -> Self {
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
            route,
            ip: request::client_ip(req),
            started_ms: js_sys::Date::now(),
        }
    }

    /// The latency so far, for the metrics.
    pub fn elapsed_ms(&self) -> f64 {
        js_sys::Date::now() - self.started_ms
    }

    /// Writes the line.
    pub fn finish(self, outcome: &Outcome) {
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
                "status": outcome.response.status_code(),
                "ms": ms,
                "ip": self.ip,
                "user_id": outcome.user,
                "risk": risk_reasons(outcome),
            })
        );
    }
}

/// The names of the risk signals that fired on a send (never a value), or null.
fn risk_reasons(outcome: &Outcome) -> Option<Vec<&'static str>> {
    let decision = outcome.otp.as_ref()?.decision.as_ref()?;
    Some(decision.reasons.iter().map(|r| r.as_str()).collect())
}
