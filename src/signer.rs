//! ES256 signing with WebCrypto (`crypto.subtle`): about 0.04 ms a token in workerd, where
//! pure-Rust P-256 takes about 1.1 ms (BENCHMARKS.md, `cargo xtask bench-signing`). The PKCS#8
//! key is imported once per isolate and kept as a non-extractable `CryptoKey`.

use crate::webcrypto::{self, fingerprint};
use auth_core::ports::TokenSigner;
use std::cell::RefCell;
use wasm_bindgen_futures::JsFuture;
use web_sys::CryptoKey;

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
                let key = webcrypto::import_private(pem, false).await?;
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
        let promise = webcrypto::subtle()?
            .sign_with_object_and_u8_array(&webcrypto::es256(), &self.key, signing_input)
            .map_err(|_| "crypto.subtle.sign refused the request".to_owned())?;
        let signature = JsFuture::from(promise)
            .await
            .map_err(|_| "crypto.subtle.sign failed".to_owned())?;
        // WebCrypto's ECDSA signature is already r || s (IEEE P1363), what JWS wants.
        Ok(js_sys::Uint8Array::new(&signature).to_vec())
    }
}
