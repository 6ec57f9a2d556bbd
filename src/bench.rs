//! The signing benchmark's route, built only with the `bench` feature (`cargo xtask
//! bench-signing`), never into the deployed bundle: `GET /__bench/sign?signer=webcrypto|rust&n=N`
//! signs N access tokens with one signer. It is answered before the route table (it is no
//! operation of the contract). The clock inside a worker does not advance while it
//! computes, so the benchmark times these requests from outside and subtracts an n=0 baseline.

use crate::signer::WebCryptoSigner;
use auth_core::domain::token::{sign, Claims};
use auth_core::ports::TokenSigner;
use p256::ecdsa::signature::Signer as _;
use p256::pkcs8::DecodePrivateKey;
use serde_json::json;
use worker::{Env, Request, Response, Result};

/// The pure-Rust signer: p256 with the key parsed per request (the parse is in the baseline).
struct RustSigner {
    kid: String,
    key: p256::ecdsa::SigningKey,
}

impl TokenSigner for RustSigner {
    fn kid(&self) -> &str {
        &self.kid
    }

    async fn sign(&self, input: &[u8]) -> std::result::Result<Vec<u8>, String> {
        let signature: p256::ecdsa::Signature = self.key.sign(input);
        Ok(signature.to_bytes().to_vec())
    }
}

fn claims(i: usize) -> Claims {
    Claims {
        sub: "00000000-0000-4000-8000-000000000000".into(),
        sid: format!("bench-session-{i}"),
        client_id: "bench".into(),
        scopes: String::new(),
        iss: "bench".into(),
        aud: "bench".into(),
        iat: 1_800_000_000,
        exp: 1_800_000_900,
        jti: format!("jti-{i}"),
        rgn: None,
        cnf: None,
    }
}

async fn sign_n(signer: &impl TokenSigner, n: usize) -> std::result::Result<usize, String> {
    let mut bytes = 0;
    for i in 0..n {
        bytes += sign(signer, &claims(i))
            .await
            .map_err(|e| e.to_string())?
            .len();
    }
    Ok(bytes)
}

pub async fn sign_route(req: Request, env: &Env) -> Result<Response> {
    let url = req.url()?;
    let param = |name: &str| {
        url.query_pairs()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.into_owned())
    };
    let n: usize = param("n")
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
        .min(10_000);
    let pem = env
        .secret("JWT_SIGNING_KEY")
        .or_else(|_| env.var("JWT_SIGNING_KEY"))?
        .to_string();
    let result = match param("signer").as_deref() {
        Some("rust") => match p256::ecdsa::SigningKey::from_pkcs8_pem(&pem) {
            Ok(key) => {
                sign_n(
                    &RustSigner {
                        kid: "bench".into(),
                        key,
                    },
                    n,
                )
                .await
            }
            Err(_) => Err("bad key".into()),
        },
        _ => match WebCryptoSigner::load(&pem, "bench").await {
            Ok(signer) => sign_n(&signer, n).await,
            Err(e) => Err(e),
        },
    };
    match result {
        Ok(bytes) => Ok(Response::from_json(&json!({"signed": n, "bytes": bytes}))?),
        Err(e) => Ok(Response::from_json(&json!({"error": e}))?.with_status(500)),
    }
}
