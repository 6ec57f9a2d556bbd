//! Access tokens made and read outside the worker: signed with a key the test holds (the
//! worker's own, for a token it would issue with other claims, or another, as a forger would),
//! and their claims read without verifying.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use p256::ecdsa::signature::Signer as _;
use p256::pkcs8::DecodePrivateKey;
use serde_json::Value;

/// Signs header and claims with `pem` (ES256), like the worker would, or like a forger who has a
/// key would.
pub fn sign(pem: &str, header: &Value, claims: &Value) -> String {
    let key = p256::ecdsa::SigningKey::from_pkcs8_pem(pem).unwrap();
    let input = format!(
        "{}.{}",
        URL_SAFE_NO_PAD.encode(header.to_string()),
        URL_SAFE_NO_PAD.encode(claims.to_string())
    );
    let signature: p256::ecdsa::Signature = key.sign(input.as_bytes());
    format!("{input}.{}", URL_SAFE_NO_PAD.encode(signature.to_bytes()))
}

/// A token's claims, unverified.
pub fn claims_of(token: &str) -> Value {
    serde_json::from_slice(
        &URL_SAFE_NO_PAD
            .decode(token.split('.').nth(1).unwrap())
            .unwrap(),
    )
    .unwrap()
}
