//! The published keys: the signing key's public half, verification-only keys
//! (`JWT_VERIFICATION_KEYS`, the keys of tokens signed before a rotation) and next keys
//! (`JWT_NEXT_KEYS`, published ahead of signing so clients that cache the JWKS know a key before
//! its first token). It serves the JWKS and verifies bearer tokens with WebCrypto, with the
//! signing and verification keys only: a next key verifies nothing until it signs. Built once
//! per isolate and rebuilt when the configuration changes.

use crate::webcrypto::{self, fingerprint, import_public};
use auth_core::domain::token::TokenVerifier;
use serde::Deserialize;
use serde_json::json;
use std::cell::RefCell;
use std::rc::Rc;
use wasm_bindgen_futures::JsFuture;
use web_sys::CryptoKey;

/// A public P-256 key with its id and JWK coordinates.
pub struct PublicKey {
    pub kid: String,
    pub x: String,
    pub y: String,
    key: CryptoKey,
    /// False for a next key: published, not yet trusted.
    verifies: bool,
}

pub struct Keyring {
    keys: Vec<PublicKey>,
}

/// An entry of `JWT_VERIFICATION_KEYS` or `JWT_NEXT_KEYS`: `[{"kid": "...", "x": "...", "y": "..."}]`.
#[derive(Deserialize)]
struct ConfiguredKey {
    kid: String,
    x: String,
    y: String,
}

thread_local! {
    static CACHE: RefCell<Option<(u64, Rc<Keyring>)>> = const { RefCell::new(None) };
}

impl Keyring {
    /// The keyring for this configuration, from this isolate's cache when unchanged.
    pub async fn load(
        signing_pem: &str,
        signing_kid: &str,
        verification_keys: Option<&str>,
        next_keys: Option<&str>,
    ) -> Result<Rc<Self>, String> {
        let id = fingerprint(&format!(
            "{signing_pem}\u{0}{signing_kid}\u{0}{}\u{0}{}",
            verification_keys.unwrap_or(""),
            next_keys.unwrap_or("")
        ));
        if let Some(cached) = CACHE.with(|c| {
            c.borrow()
                .as_ref()
                .filter(|(f, _)| *f == id)
                .map(|(_, k)| k.clone())
        }) {
            return Ok(cached);
        }
        let (x, y) = public_coordinates(signing_pem).await?;
        let mut keys = vec![PublicKey {
            kid: signing_kid.to_owned(),
            key: import_public(&x, &y).await?,
            x,
            y,
            verifies: true,
        }];
        for (name, text, verifies) in [
            ("JWT_VERIFICATION_KEYS", verification_keys, true),
            ("JWT_NEXT_KEYS", next_keys, false),
        ] {
            let Some(text) = text else { continue };
            let listed: Vec<ConfiguredKey> = serde_json::from_str(text)
                .map_err(|_| format!("{name} must be a JSON array of {{kid, x, y}}"))?;
            for k in listed {
                if let Some(known) = keys.iter().find(|known| known.kid == k.kid) {
                    // A next key left listed after it became the signing key is that same key.
                    let same_key = known.x == k.x && known.y == k.y;
                    if !verifies && same_key {
                        continue;
                    }
                    return Err(format!("{name} repeats the key id {:?}", k.kid));
                }
                let key = import_public(&k.x, &k.y).await?;
                keys.push(PublicKey {
                    kid: k.kid,
                    x: k.x,
                    y: k.y,
                    key,
                    verifies,
                });
            }
        }
        let ring = Rc::new(Self { keys });
        CACHE.with(|c| *c.borrow_mut() = Some((id, ring.clone())));
        Ok(ring)
    }

    /// The JWKS document: every key that may verify a live token, and the next keys.
    pub fn jwks(&self) -> serde_json::Value {
        let keys: Vec<_> = self
            .keys
            .iter()
            .map(|k| json!({"kid": k.kid, "kty": "EC", "crv": "P-256", "x": k.x, "y": k.y, "use": "sig", "alg": "ES256"}))
            .collect();
        json!({ "keys": keys })
    }
}

impl TokenVerifier for Keyring {
    fn knows(&self, kid: &str) -> bool {
        self.keys.iter().any(|k| k.kid == kid && k.verifies)
    }

    async fn verify(&self, kid: &str, signing_input: &[u8], signature: &[u8]) -> bool {
        let Some(key) = self.keys.iter().find(|k| k.kid == kid && k.verifies) else {
            return false;
        };
        webcrypto::verify_es256(&key.key, signature, signing_input).await
    }
}

/// The public x and y (base64url) of a PKCS#8 private key, through a short-lived extractable
/// import and a JWK export. The private `d` of that export is dropped at once.
async fn public_coordinates(pem: &str) -> Result<(String, String), String> {
    let key = webcrypto::import_private(pem, true).await?;
    let promise = webcrypto::subtle()?
        .export_key("jwk", &key)
        .map_err(|_| "crypto.subtle.exportKey refused the key".to_owned())?;
    let jwk = JsFuture::from(promise)
        .await
        .map_err(|_| "exporting the public key failed".to_owned())?;
    let field = |name: &str| {
        js_sys::Reflect::get(&jwk, &name.into())
            .ok()
            .and_then(|v| v.as_string())
            .ok_or("no public key".to_owned())
    };
    Ok((field("x")?, field("y")?))
}
