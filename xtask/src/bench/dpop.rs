//! The DPoP client of the bench's bound flows: one P-256 key per actor, a fresh proof per
//! request (made before the request's clock starts), and the latest server nonce kept from
//! each answer, as a real client keeps it.

use auth_core::domain::dpop::access_token_hash;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use p256::ecdsa::signature::Signer as _;
use p256::ecdsa::{Signature, SigningKey};
use rand_core::RngCore as _;
use serde_json::json;
use std::cell::Cell;

pub struct DpopClient {
    key: SigningKey,
    /// The proof's header, base64url: the same for every proof of the key.
    header: String,
    /// The worker's origin as it sees itself (a proof's `htu` must name it).
    origin: String,
    pub nonce: Option<String>,
    issued: Cell<u64>,
}

impl DpopClient {
    pub fn new(origin: String) -> Self {
        let key = SigningKey::random(&mut rand_core::OsRng);
        let point = key.verifying_key().to_encoded_point(false);
        let header = json!({"typ": "dpop+jwt", "alg": "ES256", "jwk": {
            "kty": "EC", "crv": "P-256",
            "x": URL_SAFE_NO_PAD.encode(point.x().expect("an uncompressed point")),
            "y": URL_SAFE_NO_PAD.encode(point.y().expect("an uncompressed point")),
        }});
        Self {
            key,
            header: URL_SAFE_NO_PAD.encode(header.to_string()),
            origin,
            nonce: None,
            issued: Cell::new(0),
        }
    }

    /// A proof for `method path`, with the access token's hash when one goes with it.
    pub fn proof(&self, method: &str, path: &str, access_token: Option<&str>) -> String {
        self.issued.set(self.issued.get() + 1);
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        let mut claims = json!({
            "jti": format!("{:016x}-{}", rand_core::OsRng.next_u64(), self.issued.get()),
            "htm": method,
            "htu": format!("{}{path}", self.origin),
            "iat": now,
        });
        if let Some(token) = access_token {
            claims["ath"] = json!(access_token_hash(token));
        }
        if let Some(nonce) = &self.nonce {
            claims["nonce"] = json!(nonce);
        }
        let input = format!(
            "{}.{}",
            self.header,
            URL_SAFE_NO_PAD.encode(claims.to_string())
        );
        let signature: Signature = self.key.sign(input.as_bytes());
        format!("{input}.{}", URL_SAFE_NO_PAD.encode(signature.to_bytes()))
    }
}
