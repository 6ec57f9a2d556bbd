//! The policies every request passes before its handler, decided from the route table alone:
//! the body cap, the JSON (or, for the OAuth endpoints, form) content-type rule, the cross-site
//! refusal and the double-submit CSRF check. The worker applies
//! them in one place (`src/routes/mod.rs`), so no handler can forget one.

use crate::domain::secrets::same_secret;
use crate::http::api_profile::CookieNames;
use crate::http::bodies::{self, MAX_BODY_BYTES};
use crate::http::error::{ErrorBody, ErrorCode};
use crate::http::routes::{Credential, Route};

/// What the policies need to know of a request before its body is read.
#[derive(Debug, Clone, Copy, Default)]
pub struct Arrival<'a> {
    /// `COOKIE_MODE=on` (or a profile whose cookies always authenticate): cookies can.
    pub cookie_mode: bool,
    /// The profile's cookie names; without a CSRF cookie, a cookie-authenticated state change
    /// is protected by the foreign-page refusal alone.
    pub cookie_names: CookieNames,
    pub authorization: Option<&'a str>,
    pub cookie_header: Option<&'a str>,
    pub csrf_header: Option<&'a str>,
    pub content_length: Option<&'a str>,
    /// The `Origin` header, and whether it is the API's own origin or a configured one.
    pub origin: Option<&'a str>,
    pub origin_allowed: bool,
    /// The browser's `Sec-Fetch-Site` (`same-origin`, `same-site`, `cross-site`, `none`).
    pub fetch_site: Option<&'a str>,
}

/// A cookie's value from a `Cookie` header (`a=1; b=2`); an empty value counts as absent.
pub fn cookie<'h>(header: Option<&'h str>, name: &str) -> Option<&'h str> {
    header?.split(';').find_map(|pair| {
        let (k, v) = pair.trim().split_once('=')?;
        (k == name && !v.is_empty()).then_some(v)
    })
}

impl Arrival<'_> {
    /// Whether the request authenticates to `route` by cookie: cookie mode is on and it carries
    /// the cookie of the route's credential (for bearer routes, with no `Authorization` header,
    /// which would win). Such a request is what a cross-site page can make a browser send.
    pub fn by_cookie(&self, route: &Route) -> bool {
        let Some(name) = self.cookie_names.for_credential(route.credential) else {
            return false;
        };
        let header_wins = route.credential == Credential::Bearer && self.authorization.is_some();
        self.cookie_mode && !header_wins && cookie(self.cookie_header, name).is_some()
    }

    /// Whether a browser sent this from a page the API does not trust: an `Origin` that is
    /// neither the API's nor a configured one (`null` included), or, without an `Origin`, a
    /// `Sec-Fetch-Site` of `cross-site`. Clients outside browsers send neither header.
    fn sent_by_a_foreign_page(&self) -> bool {
        match self.origin {
            Some(_) => !self.origin_allowed,
            None => self
                .fetch_site
                .is_some_and(|site| site.eq_ignore_ascii_case("cross-site")),
        }
    }

    /// The double-submit proof: `X-CSRF-Token` equals the readable CSRF cookie. A profile
    /// without one (the Go service's clients send no token) needs none: its state changes are
    /// protected by the foreign-page refusal, which runs first.
    fn csrf_proven(&self) -> bool {
        let Some(csrf) = self.cookie_names.csrf else {
            return true;
        };
        match (cookie(self.cookie_header, csrf), self.csrf_header) {
            (Some(cookie), Some(header)) => same_secret(cookie.as_bytes(), header.as_bytes()),
            _ => false,
        }
    }
}

/// Admits a request to its route's handler, or gives the error to answer instead. Runs before
/// the body is read: a declared length over the cap is refused unread.
pub fn admit(route: &Route, arrival: &Arrival<'_>) -> Result<(), ErrorBody> {
    if route.json_body || route.form_body {
        let declared = arrival
            .content_length
            .and_then(|v| v.trim().parse::<u64>().ok());
        if declared.is_some_and(|n| n > MAX_BODY_BYTES as u64) {
            return Err(bodies::too_large());
        }
    }
    // In cookie mode a browser attaches the cookies by itself, so no state change (send-otp
    // and login included: they set the cookies) is taken from a page the API does not trust.
    if route.changes_state && arrival.cookie_mode && arrival.sent_by_a_foreign_page() {
        return Err(ErrorBody::new(
            ErrorCode::Forbidden,
            "cross-site request refused",
        ));
    }
    if route.changes_state && arrival.by_cookie(route) && !arrival.csrf_proven() {
        return Err(ErrorBody::new(
            ErrorCode::Forbidden,
            "missing or wrong X-CSRF-Token",
        ));
    }
    Ok(())
}

/// The JSON content-type rule, once the body is read: a non-empty body must say it is JSON
/// (`application/json`, or a `+json` type). An HTML form cannot send that without a CORS
/// preflight, so a cross-site page cannot post to the API as a simple request. An empty body
/// needs no type (clients of the Go service refresh and log out without one).
pub fn json_content(content_type: Option<&str>, body: &[u8]) -> Result<(), ErrorBody> {
    if body.is_empty() {
        return Ok(());
    }
    let essence = content_type
        .and_then(|t| t.split(';').next())
        .map(|t| t.trim().to_ascii_lowercase())
        .unwrap_or_default();
    let is_json = essence == "application/json"
        || (essence.starts_with("application/") && essence.ends_with("+json"));
    if is_json {
        Ok(())
    } else {
        Err(
            ErrorBody::new(ErrorCode::UnsupportedMediaType, "unsupported media type")
                .with_details("send the body as application/json"),
        )
    }
}

/// The form content-type rule of the OAuth endpoints, once the body is read: RFC 7009 and
/// RFC 7662 take `application/x-www-form-urlencoded`, and nothing else (an empty body too: it
/// lacks the token, which the handler says).
pub fn form_content(content_type: Option<&str>, body: &[u8]) -> Result<(), ErrorBody> {
    let essence = content_type
        .and_then(|t| t.split(';').next())
        .map(|t| t.trim().to_ascii_lowercase())
        .unwrap_or_default();
    if body.is_empty() || essence == "application/x-www-form-urlencoded" {
        Ok(())
    } else {
        Err(
            ErrorBody::new(ErrorCode::UnsupportedMediaType, "unsupported media type")
                .with_details("send the body as application/x-www-form-urlencoded"),
        )
    }
}

#[cfg(test)]
mod tests;
