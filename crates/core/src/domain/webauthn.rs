//! WebAuthn (passkeys) as a relying party reads it, issue 30's first step: what a browser or a
//! native app sends when it registers a passkey or signs in with one, taken apart and held to
//! what the server asked. The signature check ([`check_signature`]) goes through a
//! [`SignatureVerifier`]: WebCrypto in the worker.
//! - [`ClientData`]: the JSON the client signed over (`type`, `challenge`, `origin`);
//! - [`authenticator_data`]: the authenticator's bytes (the RP id's hash, the flags, the sign
//!   count, and at registration the credential and its COSE public key);
//! - [`attestation`]: a registration's attestation object (`none`, or `packed` self-attestation);
//! - [`der_signature_to_raw`]: an ES256 signature as WebAuthn sends it (DER) turned into the
//!   raw r || s that WebCrypto verifies.
//!
//! CBOR is read with `ciborium` and COSE keys with `coset` (ARCHITECTURE.md says why).

pub mod attestation;
pub mod authenticator_data;
pub mod cose;

use crate::domain::secrets::same_secret;
use cose::CredentialKey;
use serde::Deserialize;
use sha2::Digest as _;

/// Why a registration or an assertion was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum WebauthnError {
    #[error("malformed client data")]
    ClientData,
    #[error("the client data is for another ceremony")]
    Ceremony,
    #[error("the challenge is not the one issued")]
    Challenge,
    #[error("the origin is not allowed")]
    Origin,
    #[error("malformed authenticator data")]
    AuthenticatorData,
    #[error("the authenticator data is for another relying party")]
    RpId,
    #[error("the user was not present")]
    UserPresence,
    #[error("the user was not verified")]
    UserVerification,
    #[error("malformed attestation")]
    Attestation,
    #[error("an attestation format that is not accepted")]
    AttestationFormat,
    #[error("a key or algorithm that is not accepted")]
    Algorithm,
    #[error("malformed signature")]
    Signature,
    #[error("the signature is not the credential's")]
    SignatureMismatch,
}

/// Checks a signature with a credential's key: WebCrypto in the worker, an independent
/// implementation in tests. `signature` is in the form WebCrypto verifies (raw r || s for
/// ES256; as sent for Ed25519 and RS256). Implementations MUST answer `false` for a bad
/// signature and for any failure of their own (a key the runtime will not import).
pub trait SignatureVerifier {
    fn verify(
        &self,
        key: &CredentialKey,
        signed: &[u8],
        signature: &[u8],
    ) -> impl std::future::Future<Output = bool>;
}

/// Whether `signature` is `key`'s over what an authenticator signs (WebAuthn §6.3.3: the
/// authenticator data, then the SHA-256 of the client data JSON), as sent: DER for ES256.
pub async fn check_signature(
    verifier: &impl SignatureVerifier,
    key: &CredentialKey,
    auth_data: &[u8],
    client_data_json: &[u8],
    signature: &[u8],
) -> Result<(), WebauthnError> {
    let mut signed = Vec::with_capacity(auth_data.len() + 32);
    signed.extend_from_slice(auth_data);
    signed.extend_from_slice(&sha2::Sha256::digest(client_data_json));
    let raw;
    let signature = match key {
        CredentialKey::Es256 { .. } => {
            raw = der_signature_to_raw(signature)?;
            &raw[..]
        }
        CredentialKey::Ed25519 { .. } | CredentialKey::Rs256 { .. } => signature,
    };
    match verifier.verify(key, &signed, signature).await {
        true => Ok(()),
        false => Err(WebauthnError::SignatureMismatch),
    }
}

/// Which ceremony the client data must be for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ceremony {
    /// Registration: `webauthn.create`.
    Create,
    /// Sign-in: `webauthn.get`.
    Get,
}

impl Ceremony {
    fn client_data_type(self) -> &'static str {
        match self {
            Ceremony::Create => "webauthn.create",
            Ceremony::Get => "webauthn.get",
        }
    }
}

/// `clientDataJSON`, the part of it the server checks.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct ClientData {
    #[serde(rename = "type")]
    pub ceremony: String,
    /// base64url of the challenge the server issued.
    pub challenge: String,
    /// `https://...` for a web page; `android:apk-key-hash:...` for an Android app.
    pub origin: String,
    #[serde(default, rename = "crossOrigin")]
    pub cross_origin: Option<bool>,
}

/// Client data larger than this is refused unread: a browser's is about 150 bytes.
pub const MAX_CLIENT_DATA_BYTES: usize = 1024;

impl ClientData {
    pub fn parse(json: &[u8]) -> Result<Self, WebauthnError> {
        if json.len() > MAX_CLIENT_DATA_BYTES {
            return Err(WebauthnError::ClientData);
        }
        serde_json::from_slice(json).map_err(|_| WebauthnError::ClientData)
    }

    /// Holds the client data to the ceremony: its type, the challenge the server issued (as
    /// base64url), an origin from the allowed list (exact match), and no cross-origin iframe.
    pub fn check(
        &self,
        ceremony: Ceremony,
        challenge: &str,
        allowed_origins: &[&str],
    ) -> Result<(), WebauthnError> {
        if self.ceremony != ceremony.client_data_type() {
            return Err(WebauthnError::Ceremony);
        }
        if !same_secret(self.challenge.as_bytes(), challenge.as_bytes()) {
            return Err(WebauthnError::Challenge);
        }
        if self.cross_origin == Some(true) || !allowed_origins.contains(&self.origin.as_str()) {
            return Err(WebauthnError::Origin);
        }
        Ok(())
    }
}

/// An ECDSA signature in DER (`SEQUENCE { INTEGER r, INTEGER s }`, what WebAuthn's ES256
/// sends) as the 64-byte r || s WebCrypto verifies. Strict: one SEQUENCE, short-form lengths,
/// two positive INTEGERs of at most 32 bytes (a leading zero only before a high bit), nothing
/// after.
pub fn der_signature_to_raw(der: &[u8]) -> Result<[u8; 64], WebauthnError> {
    let bad = WebauthnError::Signature;
    let (&[0x30, len], body) = der.split_at_checked(2).ok_or(bad)? else {
        return Err(bad);
    };
    if usize::from(len) != body.len() {
        return Err(bad);
    }
    let (r, rest) = der_integer(body)?;
    let (s, rest) = der_integer(rest)?;
    if !rest.is_empty() {
        return Err(bad);
    }
    let mut raw = [0u8; 64];
    raw[32 - r.len()..32].copy_from_slice(r);
    raw[64 - s.len()..].copy_from_slice(s);
    Ok(raw)
}

/// One DER INTEGER of an ECDSA signature: its magnitude (no sign byte) and what follows.
fn der_integer(bytes: &[u8]) -> Result<(&[u8], &[u8]), WebauthnError> {
    let bad = WebauthnError::Signature;
    let (&[0x02, len], rest) = bytes.split_at_checked(2).ok_or(bad)? else {
        return Err(bad);
    };
    let (value, rest) = rest.split_at_checked(usize::from(len)).ok_or(bad)?;
    let magnitude = match value {
        // Negative, or empty: no ECDSA value is either.
        [] => return Err(bad),
        [first, ..] if first & 0x80 != 0 => return Err(bad),
        // A leading zero only where the next byte's high bit needs it (DER's minimal form).
        [0, next, ..] if next & 0x80 != 0 => &value[1..],
        [0, _, ..] => return Err(bad),
        _ => value,
    };
    if magnitude.len() > 32 {
        return Err(bad);
    }
    Ok((magnitude, rest))
}

#[cfg(all(test, not(target_arch = "wasm32")))]
pub(crate) mod soft_authenticator;
#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests;
