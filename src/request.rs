//! Reading requests: bounded JSON bodies, cookies, the client's address.

use auth_core::error::{ErrorBody, ErrorCode};
use serde::de::DeserializeOwned;
use worker::Request;

/// The contract's body limit.
pub const MAX_BODY_BYTES: usize = 16 * 1024;

/// Reads and parses a JSON body of at most [`MAX_BODY_BYTES`]. Malformed JSON, a non-object or
/// a field of the wrong type is `INVALID_REQUEST` with the parser's reason (which names the
/// field and position, never echoes values).
pub async fn json_body<T: DeserializeOwned>(request: &mut Request) -> Result<T, ErrorBody> {
    let declared = request
        .headers()
        .get("content-length")
        .ok()
        .flatten()
        .and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|n| n > MAX_BODY_BYTES) {
        return Err(too_large());
    }
    let bytes = request
        .bytes()
        .await
        .map_err(|_| ErrorBody::new(ErrorCode::InvalidRequest, "unreadable request body"))?;
    if bytes.len() > MAX_BODY_BYTES {
        return Err(too_large());
    }
    serde_json::from_slice(&bytes).map_err(|e| {
        let reason = match e.classify() {
            serde_json::error::Category::Data => format!("wrong or missing field: {e}"),
            _ => format!("malformed JSON at line {} column {}", e.line(), e.column()),
        };
        ErrorBody::new(ErrorCode::InvalidRequest, "invalid request body").with_details(reason)
    })
}

fn too_large() -> ErrorBody {
    ErrorBody::new(ErrorCode::PayloadTooLarge, "request body too large")
        .with_details(format!("the limit is {MAX_BODY_BYTES} bytes"))
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
