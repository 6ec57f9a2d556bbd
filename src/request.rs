//! Reading requests: bounded JSON bodies, cookies, the client's address.

use auth_core::bodies::{self, MAX_BODY_BYTES};
use auth_core::error::{ErrorBody, ErrorCode};
use serde::de::DeserializeOwned;
use worker::Request;

/// Reads a JSON body and parses it (`auth_core::bodies`). A declared length over the limit is
/// refused before anything is read.
pub async fn json_body<T: DeserializeOwned>(request: &mut Request) -> Result<T, ErrorBody> {
    let declared = request
        .headers()
        .get("content-length")
        .ok()
        .flatten()
        .and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|n| n > MAX_BODY_BYTES) {
        return Err(bodies::too_large());
    }
    let bytes = request
        .bytes()
        .await
        .map_err(|_| ErrorBody::new(ErrorCode::InvalidRequest, "unreadable request body"))?;
    bodies::parse(&bytes)
}

/// A cookie's value from the `Cookie` header.
pub fn cookie(request: &Request, name: &str) -> Option<String> {
    let header = request.headers().get("cookie").ok().flatten()?;
    header.split(';').find_map(|pair| {
        let (k, v) = pair.trim().split_once('=')?;
        (k == name && !v.is_empty()).then(|| v.to_owned())
    })
}

/// The client's address as Cloudflare reports it; `unknown` when absent (local tools).
pub fn client_ip(request: &Request) -> String {
    request
        .headers()
        .get("cf-connecting-ip")
        .ok()
        .flatten()
        .unwrap_or_else(|| "unknown".to_owned())
}

pub fn header(request: &Request, name: &str) -> Option<String> {
    request
        .headers()
        .get(name)
        .ok()
        .flatten()
        .filter(|v| !v.is_empty())
}

/// The client's `User-Agent`, cut to 512 characters (it is stored with sessions and audit rows).
pub fn user_agent(request: &Request) -> Option<String> {
    header(request, "user-agent").map(|ua| ua.chars().take(512).collect())
}
