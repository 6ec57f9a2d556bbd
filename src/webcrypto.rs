//! Small helpers over the runtime's WebCrypto (`crypto.subtle`), shared by the signer, the
//! keyring, DPoP proofs and passkeys. Errors never quote key material.

use auth_core::domain::webauthn::cose::CredentialKey;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine as _;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{CryptoKey, SubtleCrypto};

pub fn subtle() -> Result<SubtleCrypto, String> {
    let crypto = js_sys::Reflect::get(&js_sys::global(), &"crypto".into())
        .ok()
        .and_then(|c| c.dyn_into::<web_sys::Crypto>().ok())
        .ok_or_else(|| "no WebCrypto in this runtime".to_owned())?;
    Ok(crypto.subtle())
}

/// A plain JS object from name/value pairs.
pub fn object(fields: &[(&str, JsValue)]) -> js_sys::Object {
    let object = js_sys::Object::new();
    for (name, value) in fields {
        let _ = js_sys::Reflect::set(&object, &(*name).into(), value);
    }
    object
}

/// `{name: "ECDSA", namedCurve: "P-256"}`.
pub fn p256() -> js_sys::Object {
    object(&[("name", "ECDSA".into()), ("namedCurve", "P-256".into())])
}

/// `{name: "ECDSA", hash: "SHA-256"}`: the ES256 signature algorithm.
pub fn es256() -> js_sys::Object {
    object(&[("name", "ECDSA".into()), ("hash", "SHA-256".into())])
}

/// The body of a `-----BEGIN PRIVATE KEY-----` block, decoded.
pub fn pem_to_der(pem: &str) -> Result<Vec<u8>, String> {
    if !pem.contains("BEGIN PRIVATE KEY") {
        return Err("JWT_SIGNING_KEY must be a PKCS#8 PEM (BEGIN PRIVATE KEY)".to_owned());
    }
    let body: String = pem
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with("-----"))
        .collect();
    STANDARD
        .decode(body)
        .map_err(|_| "JWT_SIGNING_KEY is not valid PEM".to_owned())
}

/// Imports a PKCS#8 P-256 private key for signing.
pub async fn import_private(pem: &str, extractable: bool) -> Result<CryptoKey, String> {
    let der = pem_to_der(pem)?;
    let usages = js_sys::Array::of1(&"sign".into());
    let data = js_sys::Uint8Array::from(der.as_slice());
    let promise = subtle()?
        .import_key_with_object("pkcs8", &data, &p256(), extractable, &usages)
        .map_err(|_| "crypto.subtle.importKey refused the key".to_owned())?;
    JsFuture::from(promise)
        .await
        .map_err(|_| "JWT_SIGNING_KEY is not a PKCS#8 P-256 private key".to_owned())?
        .dyn_into::<CryptoKey>()
        .map_err(|_| "importKey returned no CryptoKey".to_owned())
}

/// Imports a P-256 public key from its JWK coordinates (base64url), for verifying.
pub async fn import_public(x: &str, y: &str) -> Result<CryptoKey, String> {
    let jwk = object(&[
        ("kty", "EC".into()),
        ("crv", "P-256".into()),
        ("x", x.into()),
        ("y", y.into()),
    ]);
    let usages = js_sys::Array::of1(&"verify".into());
    let promise = subtle()?
        .import_key_with_object("jwk", &jwk, &p256(), true, &usages)
        .map_err(|_| "crypto.subtle.importKey refused a public key".to_owned())?;
    JsFuture::from(promise)
        .await
        .map_err(|_| "not a P-256 public key".to_owned())?
        .dyn_into::<CryptoKey>()
        .map_err(|_| "importKey returned no CryptoKey".to_owned())
}

/// Whether `signature` (raw r || s) is `key`'s ES256 signature of `signed`; `false` for any
/// failure of the runtime as well.
pub async fn verify_es256(key: &CryptoKey, signature: &[u8], signed: &[u8]) -> bool {
    let Ok(subtle) = subtle() else {
        return false;
    };
    let Ok(promise) =
        subtle.verify_with_object_and_u8_array_and_u8_array(&es256(), key, signature, signed)
    else {
        return false;
    };
    JsFuture::from(promise)
        .await
        .ok()
        .and_then(|v| v.as_bool())
        .unwrap_or(false)
}

/// Whether `signature` is `key`'s over `signed`, for a passkey: ES256 (raw r || s), Ed25519
/// or RS256 (RSASSA-PKCS1-v1_5 with SHA-256), each imported as WebCrypto takes it. `false` for
/// any failure (a key the runtime will not import is no key).
pub async fn verify_credential(key: &CredentialKey, signed: &[u8], signature: &[u8]) -> bool {
    let b64 = |bytes: &[u8]| JsValue::from(URL_SAFE_NO_PAD.encode(bytes));
    let (format, data, import_as, verify_as): (&str, js_sys::Object, _, _) = match key {
        CredentialKey::Es256 { x, y } => {
            let jwk = object(&[
                ("kty", "EC".into()),
                ("crv", "P-256".into()),
                ("x", b64(x)),
                ("y", b64(y)),
            ]);
            ("jwk", jwk, p256(), es256())
        }
        CredentialKey::Ed25519 { x } => {
            let ed25519 = || object(&[("name", "Ed25519".into())]);
            (
                "raw",
                js_sys::Uint8Array::from(&x[..]).into(),
                ed25519(),
                ed25519(),
            )
        }
        CredentialKey::Rs256 { n, e } => {
            let jwk = object(&[("kty", "RSA".into()), ("n", b64(n)), ("e", b64(e))]);
            let pkcs1 = object(&[
                ("name", "RSASSA-PKCS1-v1_5".into()),
                ("hash", "SHA-256".into()),
            ]);
            let verify = object(&[("name", "RSASSA-PKCS1-v1_5".into())]);
            ("jwk", jwk, pkcs1, verify)
        }
    };
    let Ok(subtle) = subtle() else {
        return false;
    };
    let usages = js_sys::Array::of1(&"verify".into());
    let Ok(imported) = subtle.import_key_with_object(format, &data, &import_as, false, &usages)
    else {
        return false;
    };
    let Some(key) = JsFuture::from(imported)
        .await
        .ok()
        .and_then(|k| k.dyn_into::<CryptoKey>().ok())
    else {
        return false;
    };
    let Ok(verified) =
        subtle.verify_with_object_and_u8_array_and_u8_array(&verify_as, &key, signature, signed)
    else {
        return false;
    };
    JsFuture::from(verified)
        .await
        .ok()
        .and_then(|v| v.as_bool())
        .unwrap_or(false)
}

/// FNV-1a of some configuration text: enough to notice a changed secret without keeping it.
pub fn fingerprint(text: &str) -> u64 {
    text.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}
