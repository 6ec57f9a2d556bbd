//! Access tokens: ES256 JWTs (`typ` `at+jwt`) built here and signed through the
//! [`TokenSigner`](crate::ports::TokenSigner) port.

use crate::ports::{SecureRandom, TokenSigner, UnixSeconds};
use crate::secrets::random_token;
use crate::settings::Settings;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use serde::Serialize;

#[derive(Serialize)]
struct Header<'a> {
    alg: &'static str,
    typ: &'static str,
    kid: &'a str,
}

/// The claims of the contract: `sub`, `sid`, `client_id`, `scopes`, `iss`, `aud`, `iat`, `exp`, `jti`.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Claims {
    pub sub: String,
    pub sid: String,
    pub client_id: String,
    pub scopes: String,
    pub iss: String,
    pub aud: String,
    pub iat: UnixSeconds,
    pub exp: UnixSeconds,
    pub jti: String,
}

/// Why no token was made.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TokenError {
    #[error("signing failed: {0}")]
    Signing(String),
    #[error("secure random source unavailable")]
    Random,
}

impl Claims {
    /// Claims for a user and session issued at `now`, with a fresh random `jti`.
    pub fn new(
        settings: &Settings,
        user_id: &str,
        session_id: &str,
        scopes: &str,
        now: UnixSeconds,
        rng: &impl SecureRandom,
    ) -> Result<Self, TokenError> {
        Ok(Self {
            sub: user_id.to_owned(),
            sid: session_id.to_owned(),
            client_id: settings.client_id.clone(),
            scopes: scopes.to_owned(),
            iss: settings.issuer.clone(),
            aud: settings.audience.clone(),
            iat: now,
            exp: now + i64::from(settings.access_token_ttl_secs),
            jti: random_token(rng, 16).map_err(|_| TokenError::Random)?,
        })
    }
}

/// Signs `claims` as a compact JWS: base64url(header).base64url(claims).base64url(signature).
/// The signer returns the raw 64-byte r||s signature, which is what JWS ES256 wants.
pub async fn sign(signer: &impl TokenSigner, claims: &Claims) -> Result<String, TokenError> {
    let header = Header {
        alg: "ES256",
        typ: "at+jwt",
        kid: signer.kid(),
    };
    let header = serde_json::to_vec(&header).expect("plain structs always serialize");
    let payload = serde_json::to_vec(claims).expect("plain structs always serialize");
    let signing_input = format!(
        "{}.{}",
        URL_SAFE_NO_PAD.encode(header),
        URL_SAFE_NO_PAD.encode(payload)
    );
    let signature = signer
        .sign(signing_input.as_bytes())
        .await
        .map_err(TokenError::Signing)?;
    if signature.len() != 64 {
        return Err(TokenError::Signing(format!(
            "expected a 64-byte signature, got {}",
            signature.len()
        )));
    }
    Ok(format!(
        "{signing_input}.{}",
        URL_SAFE_NO_PAD.encode(signature)
    ))
}
