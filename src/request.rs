//! Reading what every request carries: headers, the client's address, the user agent, and the
//! body of a JSON route.

use auth_core::http::bodies;
use auth_core::http::error::{ErrorBody, ErrorCode};
use futures::StreamExt;
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

/// The body's bytes, at most the contract's cap (a larger body is 413). Read as a stream and
/// refused at the first chunk past the cap, so a chunked body with no `Content-Length` (which
/// the central check cannot refuse unread) is never read further than the cap.
pub async fn body(request: &mut Request) -> Result<Vec<u8>, ErrorBody> {
    if request.inner().body().is_none() {
        return Ok(Vec::new());
    }
    let unreadable = |_| ErrorBody::new(ErrorCode::InvalidRequest, "unreadable request body");
    let mut stream = request.stream().map_err(unreadable)?;
    let mut body = bodies::CappedBody::default();
    while let Some(chunk) = stream.next().await {
        body.push(&chunk.map_err(unreadable)?)?;
    }
    Ok(body.into_bytes())
}

/// The API's own origin, as the browser spells it (`https://auth.example.com`).
pub fn own_origin(request: &Request) -> Option<String> {
    request
        .url()
        .ok()
        .map(|url| url.origin().ascii_serialization())
}
