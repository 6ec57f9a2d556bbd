//! CORS for the origins in `CORS_ALLOWED_ORIGINS` (comma separated, exact matches). Other
//! origins get no CORS headers, so browsers keep their pages from reading the answers; their
//! preflights are refused outright.

use crate::http;
use auth_core::error::ErrorCode;
use worker::{Env, Response, Result};

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

    fn allows(&self, origin: &str) -> bool {
        self.allowed.iter().any(|o| o == origin)
    }

    /// The answer to an `OPTIONS` preflight.
    pub fn preflight(&self, origin: Option<&str>) -> Result<Response> {
        match origin {
            Some(origin) if self.allows(origin) => {
                let response = Response::empty()?.with_status(204);
                let response = self.decorate(Some(origin), response)?;
                let response = http::with_header(
                    response,
                    "access-control-allow-methods",
                    "GET, POST, DELETE, OPTIONS",
                )?;
                let response = http::with_header(
                    response,
                    "access-control-allow-headers",
                    "authorization, content-type, x-csrf-token",
                )?;
                http::with_header(response, "access-control-max-age", "600")
            }
            _ => http::error_code(ErrorCode::Forbidden, "origin not allowed"),
        }
    }

    /// Adds the CORS headers to an answer for an allowed origin; others get none.
    pub fn decorate(&self, origin: Option<&str>, response: Response) -> Result<Response> {
        let response = http::with_header(response, "vary", "Origin")?;
        match origin {
            Some(origin) if self.allows(origin) => {
                let response = http::with_header(response, "access-control-allow-origin", origin)?;
                http::with_header(response, "access-control-allow-credentials", "true")
            }
            _ => Ok(response),
        }
    }
}
