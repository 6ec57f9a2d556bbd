//! A DPoP client (RFC 9449) made outside the worker with p256: its key, its proofs (well made,
//! or tampered with as an attacker would), and requests that carry them, each answer checked
//! against the contract.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use p256::ecdsa::signature::Signer as _;
use p256::ecdsa::{Signature, SigningKey};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

/// A client's P-256 key.
pub struct DpopKey(SigningKey);

impl DpopKey {
    pub fn random() -> Self {
        Self(SigningKey::random(&mut rand_core::OsRng))
    }

    /// The public key as a proof's header carries it.
    pub fn jwk(&self) -> Value {
        let point = self.0.verifying_key().to_encoded_point(false);
        json!({"kty": "EC", "crv": "P-256",
               "x": URL_SAFE_NO_PAD.encode(point.x().unwrap()),
               "y": URL_SAFE_NO_PAD.encode(point.y().unwrap())})
    }

    /// The RFC 7638 thumbprint, computed here independently of the worker.
    pub fn jkt(&self) -> String {
        let jwk = self.jwk();
        let canonical = format!(
            r#"{{"crv":"P-256","kty":"EC","x":"{}","y":"{}"}}"#,
            jwk["x"].as_str().unwrap(),
            jwk["y"].as_str().unwrap()
        );
        URL_SAFE_NO_PAD.encode(Sha256::digest(canonical.as_bytes()))
    }

    /// The claims of a fresh, well-made proof for `method url`, with the access token's hash
    /// when one goes with it.
    pub fn claims(
        method: &str,
        url: &str,
        access_token: Option<&str>,
        nonce: Option<&str>,
    ) -> Value {
        let mut claims = json!({
            "jti": format!("{:08x}{:08x}", crate::api::random_u32(), crate::api::random_u32()),
            "htm": method,
            "htu": url,
            "iat": std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_secs(),
        });
        if let Some(token) = access_token {
            claims["ath"] = json!(URL_SAFE_NO_PAD.encode(Sha256::digest(token.as_bytes())));
        }
        if let Some(nonce) = nonce {
            claims["nonce"] = json!(nonce);
        }
        claims
    }

    /// A proof of `claims` with this key's header.
    pub fn proof_of(&self, claims: &Value) -> String {
        let header = json!({"typ": "dpop+jwt", "alg": "ES256", "jwk": self.jwk()});
        self.signed(&header, claims)
    }

    /// Any header and claims, signed by this key: for proofs an attacker would make.
    pub fn signed(&self, header: &Value, claims: &Value) -> String {
        let input = format!(
            "{}.{}",
            URL_SAFE_NO_PAD.encode(header.to_string()),
            URL_SAFE_NO_PAD.encode(claims.to_string())
        );
        let signature: Signature = self.0.sign(input.as_bytes());
        format!("{input}.{}", URL_SAFE_NO_PAD.encode(signature.to_bytes()))
    }
}

/// One answer: status, body, and the DPoP headers.
#[derive(Debug)]
pub struct Answer {
    pub status: u16,
    pub body: Value,
    pub nonce: Option<String>,
    pub challenge: Option<String>,
}

impl Answer {
    pub fn code(&self) -> &str {
        self.body["code"].as_str().unwrap_or("")
    }
}

/// `method path` on the worker with these headers and a JSON body (if any).
pub async fn send(
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: Option<Value>,
) -> Answer {
    let verb = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
    let mut request = reqwest::Client::new()
        .request(verb, format!("{}{path}", crate::base_url()))
        .header("cf-connecting-ip", crate::api::random_ip());
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await.expect("the worker answers");
    let (status, nonce, challenge) = (
        response.status().as_u16(),
        crate::api::header_of(&response, "dpop-nonce"),
        crate::api::header_of(&response, "www-authenticate"),
    );
    let body = response.json().await.unwrap_or(Value::Null);
    crate::openapi::check(method, path, status, &body);
    Answer {
        status,
        body,
        nonce,
        challenge,
    }
}

/// The server's current nonce, as a client first meets it: a proof without one is refused with
/// `use_dpop_nonce` and the nonce to use.
pub async fn current_nonce(key: &DpopKey) -> String {
    let url = format!("{}/api/v1/auth/refresh", crate::base_url());
    let proof = key.proof_of(&DpopKey::claims("POST", &url, None, None));
    let told = send(
        "POST",
        "/api/v1/auth/refresh",
        &[("dpop", &proof)],
        Some(json!({})),
    )
    .await;
    assert_eq!(
        (told.status, told.code()),
        (401, "USE_DPOP_NONCE"),
        "{told:?}"
    );
    let challenge = told.challenge.unwrap_or_default();
    assert!(challenge.starts_with("DPoP ") && challenge.contains("error=\"use_dpop_nonce\""));
    told.nonce.expect("a DPoP-Nonce with the refusal")
}
