//! Cloudflare Turnstile's server-side check: `POST {TURNSTILE_VERIFY_URL}` (by default
//! `https://challenges.cloudflare.com/turnstile/v0/siteverify`), form-encoded `secret`,
//! `response` and, when known, `remoteip`; the answer is JSON with `success` and
//! `error-codes`. A token the service refuses is `NotHuman`; a service that cannot answer, or
//! says our own request was wrong (a bad secret), is `Unavailable`, so the outage policy
//! decides rather than the visitor.

use auth_core::ports::{BackendError, BotCheck, BotVerdict};
use std::time::Duration;

/// Cloudflare's endpoint.
pub const SITEVERIFY_URL: &str = "https://challenges.cloudflare.com/turnstile/v0/siteverify";

/// How long the check may take before the send is treated as in an outage.
const VERIFY_TIMEOUT: Duration = Duration::from_secs(3);

/// Turnstile's longest token; anything longer is refused unsent.
const MAX_TOKEN_CHARS: usize = 2048;

/// The error codes that mean the token was bad, not the request or the service.
const TOKEN_REFUSED: &[&str] = &[
    "missing-input-response",
    "invalid-input-response",
    "timeout-or-duplicate",
];

pub struct Turnstile {
    url: String,
    secret: String,
    http: reqwest::Client,
}

impl Turnstile {
    pub fn new(url: &str, secret: &str) -> Self {
        Self {
            url: url.to_owned(),
            secret: secret.to_owned(),
            http: reqwest::Client::new(),
        }
    }
}

impl BotCheck for Turnstile {
    async fn verify(
        &self,
        token: &str,
        remote_ip: Option<&str>,
    ) -> Result<BotVerdict, BackendError> {
        if token.len() > MAX_TOKEN_CHARS {
            return Ok(BotVerdict::NotHuman);
        }
        let mut form = vec![("secret", self.secret.as_str()), ("response", token)];
        if let Some(ip) = remote_ip {
            form.push(("remoteip", ip));
        }
        let unavailable = |why: String| BackendError::Unavailable(format!("turnstile {why}"));
        let response = self
            .http
            .post(&self.url)
            .form(&form)
            .timeout(VERIFY_TIMEOUT)
            .send()
            .await
            .map_err(|e| {
                unavailable(
                    if e.is_timeout() {
                        "timed out"
                    } else {
                        "request failed"
                    }
                    .into(),
                )
            })?;
        let status = response.status().as_u16();
        if !(200..300).contains(&status) {
            return Err(unavailable(format!("answered HTTP {status}")));
        }
        let answer: serde_json::Value = response
            .json()
            .await
            .map_err(|_| unavailable("answered something that is not JSON".into()))?;
        if answer["success"].as_bool() == Some(true) {
            return Ok(BotVerdict::Human);
        }
        let codes: Vec<&str> = answer["error-codes"]
            .as_array()
            .map(|a| a.iter().filter_map(|c| c.as_str()).collect())
            .unwrap_or_default();
        if !codes.is_empty() && codes.iter().all(|c| TOKEN_REFUSED.contains(c)) {
            Ok(BotVerdict::NotHuman)
        } else {
            // Only known, safe words reach the log: the codes are Turnstile's own vocabulary.
            let named: Vec<&str> = codes
                .into_iter()
                .filter(|c| c.bytes().all(|b| b.is_ascii_lowercase() || b == b'-'))
                .collect();
            Err(unavailable(format!(
                "refused the request ({})",
                named.join(", ")
            )))
        }
    }
}
