//! The OAuth face of the service, for the APIs behind it: the form bodies of revocation
//! (RFC 7009) and introspection (RFC 7662), the error shape OAuth clients read (RFC 6749
//! §5.2), and the authorization server's metadata (RFC 8414). The worker serves them from
//! `src/routes/oauth.rs`; what each token does is in `crate::usecases::{revoke, introspect}`.

use crate::config::settings::Settings;
use crate::domain::secrets::same_secret;
use crate::http::bodies::{self, MAX_BODY_BYTES};
use crate::http::error::{ErrorBody, ErrorCode};
use serde::de::DeserializeOwned;
use serde::Deserialize;
use serde_json::{json, Value};

/// `POST /oauth/revoke` (RFC 7009 §2.1). A public client names itself (`client_id`, RFC 6749
/// §2.3); the token is its proof.
#[derive(Debug, Deserialize)]
pub struct RevokeForm {
    #[serde(default)]
    pub token: Option<String>,
    /// `refresh_token` or `access_token`; a hint only: each token is recognised by its shape.
    #[serde(default)]
    pub token_type_hint: Option<String>,
    #[serde(default)]
    pub client_id: Option<String>,
}

/// `POST /oauth/introspect` (RFC 7662 §2.1).
#[derive(Debug, Deserialize)]
pub struct IntrospectForm {
    #[serde(default)]
    pub token: Option<String>,
    #[serde(default)]
    pub token_type_hint: Option<String>,
}

/// Parses a form body of at most [`MAX_BODY_BYTES`]. A field given twice or a malformed body is
/// `INVALID_REQUEST` (`invalid_request` on the wire), naming no value sent.
pub fn parse_form<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ErrorBody> {
    if bytes.len() > MAX_BODY_BYTES {
        return Err(bodies::too_large());
    }
    let invalid = || ErrorBody::new(ErrorCode::InvalidRequest, "invalid request body");
    let malformed = |_| invalid().with_details("malformed form");
    let pairs: Vec<(String, String)> = serde_urlencoded::from_bytes(bytes).map_err(malformed)?;
    // RFC 6749 §3.2: a parameter sent twice is an error, not a choice between the two.
    let mut names: Vec<&str> = pairs.iter().map(|(name, _)| name.as_str()).collect();
    names.sort_unstable();
    if names.windows(2).any(|w| w[0] == w[1]) {
        return Err(invalid().with_details("a parameter is repeated"));
    }
    serde_urlencoded::from_bytes(bytes).map_err(malformed)
}

/// The token a form carries, or the `invalid_request` of one that carries none.
pub fn required_token(token: Option<&str>) -> Result<&str, ErrorBody> {
    token
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .ok_or_else(|| ErrorBody::new(ErrorCode::InvalidRequest, "token required"))
}

/// A public client names itself: `client_id` must be the deployment's (`JWT_CLIENT_ID`), the
/// client its tokens are issued to. Anything else is `invalid_client`.
pub fn check_client(settings: &Settings, client_id: Option<&str>) -> Result<(), ErrorBody> {
    match client_id {
        Some(id) if id == settings.client_id => Ok(()),
        _ => Err(ErrorBody::new(ErrorCode::Unauthorized, "unknown client")
            .with_details("send the client_id the tokens were issued to")),
    }
}

/// Whether a request to the introspection endpoint carries one of the resource servers'
/// credentials: `Authorization: Bearer T` with `T` one of `INTROSPECTION_TOKENS` (a comma
/// separated list, one per resource server, so each can be rotated alone). Compared in
/// constant time; an empty list admits nobody.
pub fn introspection_allowed(configured: Option<&str>, authorization: Option<&str>) -> bool {
    let Some(presented) = authorization.and_then(|h| h.strip_prefix("Bearer ")) else {
        return false;
    };
    let presented = presented.trim().as_bytes();
    configured
        .unwrap_or_default()
        .split(',')
        .map(str::trim)
        .filter(|t| !t.is_empty())
        // Every entry is compared, so the time says nothing of which one matched.
        .fold(false, |found, t| {
            same_secret(t.as_bytes(), presented) | found
        })
}

/// The RFC 6749 §5.2 `error` of a contract code, on an OAuth endpoint. The status stays the
/// code's own; the contract's `code` travels beside it.
pub fn oauth_error(code: ErrorCode) -> &'static str {
    match code {
        ErrorCode::Unauthorized => "invalid_client",
        ErrorCode::InvalidDpopProof => "invalid_dpop_proof",
        ErrorCode::UseDpopNonce => "use_dpop_nonce",
        ErrorCode::ServiceUnavailable => "temporarily_unavailable",
        ErrorCode::Internal => "server_error",
        _ => "invalid_request",
    }
}

/// An error answered on an OAuth endpoint: `error` and `error_description` as RFC 6749 §5.2
/// spells them, and the contract's `code` and `details`.
pub fn oauth_body(body: &ErrorBody) -> Value {
    let mut out = json!({
        "error": oauth_error(body.code),
        "error_description": body.error,
        "code": body.code,
    });
    if let Some(details) = &body.details {
        out["details"] = details.clone().into();
    }
    out
}

/// The RFC 8414 metadata document. `base` is the service's own origin as the request reached
/// it (`https://auth.example.com`): every endpoint is named under it. `issuer` is the tokens'
/// `iss` (`JWT_ISSUER`): RFC 8414 clients expect it to be that origin.
pub fn metadata(settings: &Settings, base: &str) -> Value {
    json!({
        "issuer": settings.issuer,
        "jwks_uri": format!("{base}/.well-known/jwks.json"),
        "revocation_endpoint": format!("{base}/oauth/revoke"),
        "revocation_endpoint_auth_methods_supported": ["none"],
        "introspection_endpoint": format!("{base}/oauth/introspect"),
        "introspection_endpoint_auth_methods_supported": ["bearer"],
        // There is no authorization endpoint: a phone's code is the grant.
        "response_types_supported": [],
        "service_documentation": format!("{base}/openapi.yaml"),
        // The phone's code and the refresh, as this service spells them (docs/API.md).
        "phone_otp_send_endpoint": format!("{base}/api/v1/auth/send-otp"),
        "phone_otp_login_endpoint": format!("{base}/api/v1/auth/login"),
        "refresh_endpoint": format!("{base}/api/v1/auth/refresh"),
        // DPoP (RFC 9449): proofs by a P-256 key, with a server nonce (`DPoP-Nonce`).
        "dpop_signing_alg_values_supported": [crate::domain::dpop::PROOF_ALGORITHM],
    })
}

#[cfg(test)]
mod tests;
