//! ES256 signing with WebCrypto (`crypto.subtle`): about 0.05-0.09 ms a token in workerd, where
//! pure-Rust P-256 takes 1.3-2.8 ms (TOOLCHAIN.md). The PKCS#8 key is imported once per isolate
//! and kept as a non-extractable `CryptoKey`.

use auth_core::ports::TokenSigner;
use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use std::cell::RefCell;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{CryptoKey, SubtleCrypto};

thread_local! {
    /// The imported key with the hash of the PEM it came from: a rotated secret is re-imported.
    static KEY: RefCell<Option<(u64, CryptoKey)>> = const { RefCell::new(None) };
}

pub struct WebCryptoSigner {
    kid: String,
    key: CryptoKey,
}

impl WebCryptoSigner {
    /// Imports the key (or reuses this isolate's import of the same PEM).
    pub async fn load(pem: &str, kid: &str) -> Result<Self, String> {
        let fingerprint = fingerprint(pem);
        let cached = KEY.with(|k| {
            k.borrow()
                .as_ref()
                .filter(|(f, _)| *f == fingerprint)
                .map(|(_, key)| key.clone())
        });
        let key = match cached {
            Some(key) => key,
            None => {
                let key = import(pem).await?;
                KEY.with(|k| *k.borrow_mut() = Some((fingerprint, key.clone())));
                key
            }
        };
        Ok(Self {
            kid: kid.to_owned(),
            key,
        })
    }
}

impl TokenSigner for WebCryptoSigner {
    fn kid(&self) -> &str {
        &self.kid
    }

    async fn sign(&self, signing_input: &[u8]) -> Result<Vec<u8>, String> {
        let algorithm = object(&[("name", "ECDSA".into()), ("hash", "SHA-256".into())]);
        let promise = subtle()?
            .sign_with_object_and_u8_array(&algorithm, &self.key, signing_input)
            .map_err(|_| "crypto.subtle.sign refused the request".to_owned())?;
        let signature = JsFuture::from(promise)
            .await
            .map_err(|_| "crypto.subtle.sign failed".to_owned())?;
        // WebCrypto's ECDSA signature is already r || s (IEEE P1363), what JWS wants.
        Ok(js_sys::Uint8Array::new(&signature).to_vec())
    }
}

async fn import(pem: &str) -> Result<CryptoKey, String> {
    let der = pem_to_der(pem)?;
    let algorithm = object(&[("name", "ECDSA".into()), ("namedCurve", "P-256".into())]);
    let usages = js_sys::Array::of1(&"sign".into());
    let data = js_sys::Uint8Array::from(der.as_slice());
    let promise = subtle()?
        .import_key_with_object("pkcs8", &data, &algorithm, false, &usages)
        .map_err(|_| "crypto.subtle.importKey refused the key".to_owned())?;
    let key = JsFuture::from(promise)
        .await
        .map_err(|_| "JWT_SIGNING_KEY is not a PKCS#8 P-256 private key".to_owned())?;
    key.dyn_into::<CryptoKey>()
        .map_err(|_| "importKey returned no CryptoKey".to_owned())
}

/// The body of a `-----BEGIN PRIVATE KEY-----` block, decoded. Errors never quote the PEM.
fn pem_to_der(pem: &str) -> Result<Vec<u8>, String> {
    let body: String = pem
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with("-----"))
        .collect();
    if !pem.contains("BEGIN PRIVATE KEY") {
        return Err("JWT_SIGNING_KEY must be a PKCS#8 PEM (BEGIN PRIVATE KEY)".to_owned());
    }
    STANDARD
        .decode(body)
        .map_err(|_| "JWT_SIGNING_KEY is not valid PEM".to_owned())
}

fn subtle() -> Result<SubtleCrypto, String> {
    let crypto = js_sys::Reflect::get(&js_sys::global(), &"crypto".into())
        .ok()
        .and_then(|c| c.dyn_into::<web_sys::Crypto>().ok())
        .ok_or_else(|| "no WebCrypto in this runtime".to_owned())?;
    Ok(crypto.subtle())
}

fn object(fields: &[(&str, JsValue)]) -> js_sys::Object {
    let object = js_sys::Object::new();
    for (name, value) in fields {
        let _ = js_sys::Reflect::set(&object, &(*name).into(), value);
    }
    object
}

/// FNV-1a of the PEM: enough to notice a changed secret, and it keeps no key material around.
fn fingerprint(pem: &str) -> u64 {
    pem.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}
