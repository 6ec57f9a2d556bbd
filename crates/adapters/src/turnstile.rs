//! Cloudflare Turnstile's server-side check: `POST {TURNSTILE_VERIFY_URL}` (by default
//! `https://challenges.cloudflare.com/turnstile/v0/siteverify`), form-encoded `secret`,
//! `response` and, when known, `remoteip`; the answer is JSON with `success` and
//! `error-codes`, and for a solved challenge the `hostname` it was solved on and the widget's
//! `action`. A token the service refuses is `NotHuman`, and so is one solved on a page or for an
//! action this service did not expect ([`Expected`]: a token from another site with the same
//! widget, or from another form of the app, proves nothing about this send); a service that
//! cannot answer, or says our own request was wrong (a bad secret), is `Unavailable`, so the
//! outage policy decides rather than the visitor.

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

/// The action a send's widget names (`data-action`) unless `TURNSTILE_ACTION` says otherwise.
pub const DEFAULT_ACTION: &str = "send-otp";

/// What a solved challenge must also have been for: a page of one of `hostnames` (none listed:
/// any) and the widget's `action`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Expected {
    hostnames: Vec<String>,
    action: String,
}

impl Default for Expected {
    fn default() -> Self {
        Self {
            hostnames: Vec::new(),
            action: DEFAULT_ACTION.to_owned(),
        }
    }
}

impl Expected {
    /// `TURNSTILE_HOSTNAMES` (host names, comma-separated; unset: any) and `TURNSTILE_ACTION`
    /// (1-32 letters, digits, `_` and `-`, as Turnstile allows; unset: [`DEFAULT_ACTION`]).
    pub fn parse(hostnames: Option<&str>, action: Option<&str>) -> Result<Self, String> {
        let hostnames: Vec<String> = hostnames
            .unwrap_or_default()
            .split(',')
            .map(|h| h.trim().to_ascii_lowercase())
            .filter(|h| !h.is_empty())
            .collect();
        let bad_host = hostnames.iter().find(|h| {
            !h.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'-')
        });
        if let Some(host) = bad_host {
            return Err(format!("TURNSTILE_HOSTNAMES: {host:?} is not a host name"));
        }
        let action = action.map(str::trim).filter(|a| !a.is_empty());
        let action = action.unwrap_or(DEFAULT_ACTION);
        let fits = (1..=32).contains(&action.len())
            && action
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
        if !fits {
            return Err(format!(
                "TURNSTILE_ACTION={action:?} must be 1-32 letters, digits, _ or -"
            ));
        }
        Ok(Self {
            hostnames,
            action: action.to_owned(),
        })
    }

    /// Whether a challenge solved on `hostname` for `action` counts here.
    fn allows(&self, hostname: &str, action: &str) -> bool {
        let host_ok = self.hostnames.is_empty()
            || self
                .hostnames
                .iter()
                .any(|h| h.eq_ignore_ascii_case(hostname));
        host_ok && action == self.action
    }
}

pub struct Turnstile {
    url: String,
    secret: String,
    expected: Expected,
    http: reqwest::Client,
}

impl Turnstile {
    /// A check that expects [`Expected::default`]: any hostname, the action `send-otp`.
    pub fn new(url: &str, secret: &str) -> Self {
        Self {
            url: url.to_owned(),
            secret: secret.to_owned(),
            expected: Expected::default(),
            http: reqwest::Client::new(),
        }
    }

    /// The same, counting only challenges solved as `expected` says.
    pub fn expecting(self, expected: Expected) -> Self {
        Self { expected, ..self }
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
            let said = |field: &str| answer[field].as_str().unwrap_or_default();
            return Ok(
                match self.expected.allows(said("hostname"), said("action")) {
                    true => BotVerdict::Human,
                    false => BotVerdict::NotHuman,
                },
            );
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
