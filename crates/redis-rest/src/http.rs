//! What the gateway reads from a request besides its commands (the bearer token, the reply
//! encoding) and its one JSON access-log line per request.

use crate::reply::Encoding;
use crate::request;
use axum::http::{header, HeaderMap};
use serde_json::{json, Value as Json};
use std::time::{SystemTime, UNIX_EPOCH};
use subtle::ConstantTimeEq;

/// The bearer token from `Authorization: Bearer ...` or the `_token` query parameter, compared
/// in constant time so response timing does not reveal how much of a guess was right.
pub fn authorized(token: &str, headers: &HeaderMap, query: Option<&str>) -> bool {
    let from_header = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split_once(' '))
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        .map(|(_, t)| t.trim().as_bytes().to_vec());
    let presented = from_header.or_else(|| {
        request::query_pairs(query)
            .into_iter()
            .find(|(name, _)| name == b"_token")
            .map(|(_, v)| v)
    });
    presented.is_some_and(|p| p.ct_eq(token.as_bytes()).into())
}

pub fn encoding_of(headers: &HeaderMap) -> Encoding {
    match headers
        .get("upstash-encoding")
        .and_then(|v| v.to_str().ok())
    {
        Some(v) if v.eq_ignore_ascii_case("base64") => Encoding::Base64,
        _ => Encoding::Plain,
    }
}

/// The route for the log: fixed paths as they are, the command-in-path form as its command name
/// only, since the rest of such a path is arguments.
pub fn route_label(path: &str) -> String {
    match path {
        "" | "/" | "/pipeline" | "/multi-exec" => path.to_owned(),
        _ => {
            let name = path.split('/').find(|s| !s.is_empty()).unwrap_or("");
            format!(
                "/{}/...",
                name.to_ascii_lowercase()
                    .chars()
                    .take(32)
                    .collect::<String>()
            )
        }
    }
}

pub fn log_line(mut fields: Json) {
    let ts = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis())
        .unwrap_or(0);
    fields["ts_ms"] = json!(ts);
    println!("{fields}");
}
