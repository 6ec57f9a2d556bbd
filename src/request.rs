//! Reading what every request carries: headers, the client's address, the user agent, and the
//! body of a JSON route.

use auth_core::bodies;
use auth_core::error::{ErrorBody, ErrorCode};
use worker::Request;

/// A header's value; an empty one counts as absent.
pub fn header(request: &Request, name: &str) -> Option<String> {
    request
        .headers()
        .get(name)
        .ok()
        .flatten()
        .filter(|v| !v.is_empty())
}

/// The client's address as Cloudflare reports it; `unknown` when absent (local tools).
pub fn client_ip(request: &Request) -> String {
    header(request, "cf-connecting-ip").unwrap_or_else(|| "unknown".to_owned())
}

/// The client's `User-Agent`, cut to 512 characters (it is stored with sessions and audit rows).
pub fn user_agent(request: &Request) -> Option<String> {
    header(request, "user-agent").map(|ua| ua.chars().take(512).collect())
}

/// The body's bytes, at most the contract's cap (a larger body is 413).
pub async fn body(request: &mut Request) -> Result<Vec<u8>, ErrorBody> {
    let bytes = request
        .bytes()
        .await
        .map_err(|_| ErrorBody::new(ErrorCode::InvalidRequest, "unreadable request body"))?;
    if bytes.len() > bodies::MAX_BODY_BYTES {
        return Err(bodies::too_large());
    }
    Ok(bytes)
}
