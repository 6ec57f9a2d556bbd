//! The auth cookies: cookie mode (`COOKIE_MODE=on`) of the native profile, tokens in HttpOnly
//! cookies with a double-submit CSRF token, and the otp-auth-v1 profile's cookies, which its
//! clients always use (`auth_core::http::api_profile`).
//!
//! Native: a request that authenticates by cookie and changes state must echo the readable
//! `__Host-csrf_token` cookie in `X-CSRF-Token` (checked centrally by `auth_core::http::policy`); the
//! refresh token and session id are scoped to `/api/v1/auth`. otp-auth-v1: the Go service's
//! names, all on `Path=/`, no CSRF token (its clients send none; the foreign-page refusal
//! guards them), and `Secure`, which the Go service left off.

use crate::outcome::Outcome;
use auth_core::domain::secrets::random_token;
use auth_core::http::api_profile::{ApiProfile, CookieNames};
use auth_core::ports::SecureRandom;

/// `name=value` with the attributes every auth cookie shares. HttpOnly unless it is the CSRF
/// token, which the page's script must read.
fn cookie(name: &str, value: &str, path: &str, max_age: u32, http_only: bool) -> String {
    let http_only = if http_only { "; HttpOnly" } else { "" };
    format!("{name}={value}; Path={path}; Max-Age={max_age}{http_only}; Secure; SameSite=Lax")
}

/// A fresh CSRF token: set as a readable cookie and, since a page on another allowed origin
/// cannot read this API's cookies, also given in the login or refresh body.
pub fn new_csrf_token(rng: &impl SecureRandom) -> Result<String, Outcome> {
    random_token(rng, 32).map_err(|e| Outcome::from(worker::Error::RustError(e.to_string())))
}

/// The auth cookies of one profile: their names and where the browser sends them.
pub struct Jar {
    names: CookieNames,
    /// The path of the refresh token and the session id.
    auth_path: &'static str,
}

impl Jar {
    pub fn of(profile: ApiProfile) -> Self {
        Self {
            names: profile.cookies(),
            auth_path: match profile {
                ApiProfile::Native => "/api/v1/auth",
                // The Go service's clients find every cookie on every path.
                ApiProfile::OtpAuthV1 => "/",
            },
        }
    }

    /// Whether this profile has a CSRF token to hand out.
    pub fn has_csrf(&self) -> bool {
        self.names.csrf.is_some()
    }

    /// Sets the access token (sent everywhere), the refresh token (sent only to the auth API,
    /// or everywhere under otp-auth-v1), the CSRF token when the profile has one, and the
    /// session id (the session login minted, replacing send-otp's, which only bound the code).
    #[allow(clippy::too_many_arguments)]
    pub fn set_tokens(
        &self,
        outcome: Outcome,
        access_token: &str,
        access_ttl: u32,
        refresh_token: &str,
        refresh_ttl: u32,
        session_id: &str,
        csrf: Option<&str>,
    ) -> Result<Outcome, Outcome> {
        let mut outcome = outcome
            .with_header(
                "set-cookie",
                &cookie(self.names.access, access_token, "/", access_ttl, true),
            )?
            .with_header(
                "set-cookie",
                &cookie(
                    self.names.refresh,
                    refresh_token,
                    self.auth_path,
                    refresh_ttl,
                    true,
                ),
            )?;
        if let (Some(name), Some(csrf)) = (self.names.csrf, csrf) {
            outcome =
                outcome.with_header("set-cookie", &cookie(name, csrf, "/", refresh_ttl, false))?;
        }
        outcome.with_header("set-cookie", &self.session(session_id, refresh_ttl))
    }

    /// The session id cookie: send-otp's (binding the code), then the session's from login on.
    pub fn session(&self, session_id: &str, max_age: u32) -> String {
        cookie(
            self.names.session,
            session_id,
            self.auth_path,
            max_age,
            true,
        )
    }

    /// Expires every auth cookie (logout).
    pub fn clear_all(&self, mut outcome: Outcome) -> Result<Outcome, Outcome> {
        let names = self.names;
        let mut expired = vec![
            (names.access, "/", true),
            (names.refresh, self.auth_path, true),
            (names.session, self.auth_path, true),
        ];
        if let Some(csrf) = names.csrf {
            expired.push((csrf, "/", false));
        }
        for (name, path, http_only) in expired {
            outcome = outcome.with_header("set-cookie", &cookie(name, "", path, 0, http_only))?;
        }
        Ok(outcome)
    }
}
