//! CORS for the origins in `CORS_ALLOWED_ORIGINS` (comma separated, exact matches). Other
//! origins get no CORS headers, so browsers keep their pages from reading the answers; their
//! preflights are refused outright.

use crate::outcome::Outcome;
use auth_core::http::error::ErrorCode;
use worker::{Env, Response};

const METHODS: &str = "GET, POST, DELETE, OPTIONS";
const HEADERS: &str = "authorization, content-type, x-csrf-token, cf-turnstile-response, dpop";
/// Answer headers a page on an allowed origin may read beyond the CORS-safelisted ones: when to
/// retry after a 429, the caller's quota (the IETF RateLimit fields), and otp-auth-v1's
/// request-limit standing; and DPoP's nonce and challenge (RFC 9449 §8).
const EXPOSED: &str = "retry-after, ratelimit-policy, ratelimit, x-ratelimit-limit, \
                       x-ratelimit-remaining, x-ratelimit-reset, x-ratelimit-window, \
                       dpop-nonce, www-authenticate";

pub struct Cors {
    allowed: Vec<String>,
}

impl Cors {
    pub fn from_env(env: &Env) -> Self {
        let raw = env
            .var("CORS_ALLOWED_ORIGINS")
            .map(|v| v.to_string())
            .unwrap_or_default();
        let allowed = raw
            .split(',')
            .map(|o| o.trim().trim_end_matches('/').to_owned())
            .filter(|o| !o.is_empty())
            .collect();
        Self { allowed }
    }

    pub fn allows(&self, origin: &str) -> bool {
        self.allowed.iter().any(|o| o == origin)
    }

    /// The answer to an `OPTIONS` preflight.
    pub fn preflight(&self, origin: Option<&str>) -> Outcome {
        match origin {
            Some(origin) if self.allows(origin) => {
                let allowed = Response::empty()
                    .map(|r| Outcome::from_response(r.with_status(204)))
                    .map_err(Outcome::from)
                    .and_then(|o| o.with_header("access-control-allow-methods", METHODS))
                    .and_then(|o| o.with_header("access-control-allow-headers", HEADERS))
                    .and_then(|o| o.with_header("access-control-max-age", "600"));
                match allowed {
                    Ok(outcome) | Err(outcome) => self.decorate(Some(origin), outcome),
                }
            }
            _ => Outcome::code(ErrorCode::Forbidden, "origin not allowed"),
        }
    }

    /// Adds the CORS headers to an answer for an allowed origin; others get none.
    pub fn decorate(&self, origin: Option<&str>, outcome: Outcome) -> Outcome {
        let decorated = outcome
            .with_header("vary", "Origin")
            .and_then(|o| match origin {
                Some(origin) if self.allows(origin) => o
                    .with_header("access-control-allow-origin", origin)?
                    .with_header("access-control-allow-credentials", "true")?
                    .with_header("access-control-expose-headers", EXPOSED),
                _ => Ok(o),
            });
        match decorated {
            Ok(outcome) | Err(outcome) => outcome,
        }
    }
}
