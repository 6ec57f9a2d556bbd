//! Access tokens: ES256 JWTs (`typ` `at+jwt`) built here and signed through the
//! [`TokenSigner`](crate::ports::TokenSigner) port.

use crate::config::settings::Settings;
use crate::domain::secrets::random_token;
use crate::ports::{SecureRandom, TokenSigner, UnixSeconds};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use serde::Serialize;

#[derive(Serialize)]
struct Header<'a> {
    alg: &'static str,
    typ: &'static str,
    kid: &'a str,
}

/// The claims of the contract: `sub`, `sid`, `client_id`, `scopes`, `iss`, `aud`, `iat`, `exp`, `jti`,
/// and `rgn` in a deployment with data regions (`crate::domain::regions`).
#[derive(Debug, Clone, Serialize, serde::Deserialize, PartialEq, Eq)]
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
    /// The data region holding the user's rows: where their session's calls go, with no
    /// lookup. Absent in a single-region deployment, so its tokens are as they always were.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rgn: Option<String>,
    /// The DPoP key the token is bound to (RFC 9449 §6): every use must come with a proof by
    /// that key. Absent on a bearer token.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cnf: Option<Confirmation>,
}

/// RFC 7800's confirmation claim, as RFC 9449 fills it: the key's RFC 7638 thumbprint.
#[derive(Debug, Clone, Serialize, serde::Deserialize, PartialEq, Eq)]
pub struct Confirmation {
    pub jkt: String,
}

impl Claims {
    /// The thumbprint of the key the token is bound to, if it is bound.
    pub fn jkt(&self) -> Option<&str> {
        self.cnf.as_ref().map(|c| c.jkt.as_str())
    }
}

/// The `token_type` of a pair: `DPoP` when bound to a key, `Bearer` otherwise.
pub fn type_of(binding: Option<&str>) -> &'static str {
    match binding {
        Some(_) => "DPoP",
        None => "Bearer",
    }
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
            rgn: None,
            cnf: None,
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

/// Checks an access token's signature with a key from the configured set. Implementations MUST
/// answer `Ok(false)` for a bad signature and MUST only know keys of the configured set.
pub trait TokenVerifier {
    /// Whether `kid` names a configured verification key.
    fn knows(&self, kid: &str) -> bool;
    /// ECDSA P-256 / SHA-256 check of a raw 64-byte r || s signature.
    fn verify(
        &self,
        kid: &str,
        signing_input: &[u8],
        signature: &[u8],
    ) -> impl std::future::Future<Output = bool>;
}

/// Why a bearer token was refused. Every variant answers 401 `UNAUTHORIZED`; the reason is
/// for logs and tests, never shown to the client beyond a generic message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Rejection {
    #[error("malformed token")]
    Malformed,
    #[error("algorithm is not ES256")]
    Algorithm,
    #[error("type is not at+jwt")]
    Type,
    #[error("unknown key id")]
    UnknownKey,
    #[error("bad signature")]
    Signature,
    #[error("expired")]
    Expired,
    #[error("not yet valid")]
    NotYetValid,
    #[error("wrong issuer")]
    Issuer,
    #[error("wrong audience")]
    Audience,
}

/// Tokens larger than this are refused unread: ours are about 600 bytes.
const MAX_TOKEN_BYTES: usize = 4096;
/// Clock skew tolerated on `exp`, `nbf` and `iat`.
pub const LEEWAY_SECS: i64 = 30;

#[derive(serde::Deserialize)]
struct VerifiedHeader {
    alg: String,
    #[serde(default)]
    typ: Option<String>,
    #[serde(default)]
    kid: Option<String>,
}

#[derive(serde::Deserialize)]
struct TimeClaims {
    #[serde(default)]
    nbf: Option<i64>,
}

/// Verifies a compact JWS access token: ES256 pinned, `kid` from the configured set only,
/// signature, `typ` `at+jwt`, `iss`, `aud`, `exp`, `nbf` and `iat` (with [`LEEWAY_SECS`]).
/// Cheap checks run first, so garbage never reaches the signature check.
pub async fn verify(
    verifier: &impl TokenVerifier,
    settings: &Settings,
    token: &str,
    now: UnixSeconds,
) -> Result<Claims, Rejection> {
    if token.len() > MAX_TOKEN_BYTES {
        return Err(Rejection::Malformed);
    }
    let mut parts = token.split('.');
    let (Some(header_b64), Some(payload_b64), Some(signature_b64), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(Rejection::Malformed);
    };
    let decode = |part: &str| {
        URL_SAFE_NO_PAD
            .decode(part)
            .map_err(|_| Rejection::Malformed)
    };
    let header: VerifiedHeader =
        serde_json::from_slice(&decode(header_b64)?).map_err(|_| Rejection::Malformed)?;
    if header.alg != "ES256" {
        return Err(Rejection::Algorithm);
    }
    if header.typ.as_deref() != Some("at+jwt") {
        return Err(Rejection::Type);
    }
    let kid = header
        .kid
        .filter(|k| verifier.knows(k))
        .ok_or(Rejection::UnknownKey)?;
    let signature = decode(signature_b64)?;
    if signature.len() != 64 {
        return Err(Rejection::Signature);
    }
    let signing_input = &token.as_bytes()[..header_b64.len() + 1 + payload_b64.len()];
    if !verifier.verify(&kid, signing_input, &signature).await {
        return Err(Rejection::Signature);
    }
    let payload = decode(payload_b64)?;
    let claims: Claims = serde_json::from_slice(&payload).map_err(|_| Rejection::Malformed)?;
    let times: TimeClaims = serde_json::from_slice(&payload).map_err(|_| Rejection::Malformed)?;
    if claims.iss != settings.issuer {
        return Err(Rejection::Issuer);
    }
    if claims.aud != settings.audience {
        return Err(Rejection::Audience);
    }
    if now >= claims.exp + LEEWAY_SECS {
        return Err(Rejection::Expired);
    }
    if times.nbf.is_some_and(|nbf| now + LEEWAY_SECS < nbf) || now + LEEWAY_SECS < claims.iat {
        return Err(Rejection::NotYetValid);
    }
    Ok(claims)
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;
    use crate::testing::SeededRandom;
    use p256::ecdsa::signature::{Signer as _, Verifier as _};
    use p256::ecdsa::{Signature, SigningKey, VerifyingKey};

    const NOW: UnixSeconds = 1_800_000_000;

    /// The pure-Rust signer and verifier: an independent implementation of the same ports.
    struct Keys {
        kid: &'static str,
        signing: SigningKey,
        known: Vec<(&'static str, VerifyingKey)>,
    }

    impl Keys {
        fn new() -> Self {
            let signing = SigningKey::from_slice(&[7u8; 32]).unwrap();
            let known = vec![("k1", VerifyingKey::from(&signing))];
            Self {
                kid: "k1",
                signing,
                known,
            }
        }
    }

    impl TokenSigner for Keys {
        fn kid(&self) -> &str {
            self.kid
        }
        async fn sign(&self, input: &[u8]) -> Result<Vec<u8>, String> {
            let signature: Signature = self.signing.sign(input);
            Ok(signature.to_bytes().to_vec())
        }
    }

    impl TokenVerifier for Keys {
        fn knows(&self, kid: &str) -> bool {
            self.known.iter().any(|(k, _)| *k == kid)
        }
        async fn verify(&self, kid: &str, input: &[u8], signature: &[u8]) -> bool {
            let Some((_, key)) = self.known.iter().find(|(k, _)| *k == kid) else {
                return false;
            };
            Signature::from_slice(signature).is_ok_and(|s| key.verify(input, &s).is_ok())
        }
    }

    fn settings() -> Settings {
        Settings::from_lookup(|_| None).unwrap()
    }

    fn claims() -> Claims {
        Claims::new(
            &settings(),
            "user-1",
            "session-1",
            "",
            NOW,
            &SeededRandom::new(9),
        )
        .unwrap()
    }

    fn run<F: std::future::Future>(f: F) -> F::Output {
        futures::executor::block_on(f)
    }

    /// Signs arbitrary header and claims JSON with the test key, for forged variants.
    fn forge(keys: &Keys, header: serde_json::Value, claims: serde_json::Value) -> String {
        let input = format!(
            "{}.{}",
            URL_SAFE_NO_PAD.encode(header.to_string()),
            URL_SAFE_NO_PAD.encode(claims.to_string())
        );
        let signature = run(keys.sign(input.as_bytes())).unwrap();
        format!("{input}.{}", URL_SAFE_NO_PAD.encode(signature))
    }

    fn header() -> serde_json::Value {
        serde_json::json!({"alg": "ES256", "typ": "at+jwt", "kid": "k1"})
    }

    #[test]
    fn a_signed_token_verifies_and_returns_its_claims() {
        let keys = Keys::new();
        let token = run(sign(&keys, &claims())).unwrap();
        assert_eq!(
            run(verify(&keys, &settings(), &token, NOW + 10)),
            Ok(claims())
        );
    }

    #[test]
    fn forged_and_tampered_tokens_are_refused_for_the_right_reason() {
        let keys = Keys::new();
        let good = serde_json::to_value(claims()).unwrap();
        let with = |field: &str, value: serde_json::Value| {
            let mut c = good.clone();
            c[field] = value;
            c
        };
        let cases = [
            (
                forge(
                    &keys,
                    serde_json::json!({"alg": "none", "typ": "at+jwt", "kid": "k1"}),
                    good.clone(),
                ),
                Rejection::Algorithm,
            ),
            (
                forge(
                    &keys,
                    serde_json::json!({"alg": "HS256", "typ": "at+jwt", "kid": "k1"}),
                    good.clone(),
                ),
                Rejection::Algorithm,
            ),
            (
                forge(
                    &keys,
                    serde_json::json!({"alg": "ES256", "typ": "JWT", "kid": "k1"}),
                    good.clone(),
                ),
                Rejection::Type,
            ),
            (
                forge(
                    &keys,
                    serde_json::json!({"alg": "ES256", "typ": "at+jwt", "kid": "k9"}),
                    good.clone(),
                ),
                Rejection::UnknownKey,
            ),
            (
                forge(
                    &keys,
                    serde_json::json!({"alg": "ES256", "typ": "at+jwt"}),
                    good.clone(),
                ),
                Rejection::UnknownKey,
            ),
            (
                forge(&keys, header(), with("iss", "evil".into())),
                Rejection::Issuer,
            ),
            (
                forge(&keys, header(), with("aud", "other-app".into())),
                Rejection::Audience,
            ),
            (
                forge(&keys, header(), with("exp", (NOW - 31).into())),
                Rejection::Expired,
            ),
            (
                forge(&keys, header(), with("nbf", (NOW + 120).into())),
                Rejection::NotYetValid,
            ),
            (
                forge(&keys, header(), with("iat", (NOW + 120).into())),
                Rejection::NotYetValid,
            ),
            (
                forge(&keys, header(), serde_json::json!({"sub": "x"})),
                Rejection::Malformed,
            ),
            ("".to_owned(), Rejection::Malformed),
            ("a.b".to_owned(), Rejection::Malformed),
            ("a.b.c.d".to_owned(), Rejection::Malformed),
            ("!!!.@@@.###".to_owned(), Rejection::Malformed),
            ("x".repeat(100_000), Rejection::Malformed),
        ];
        for (token, reason) in cases {
            assert_eq!(
                run(verify(&keys, &settings(), &token, NOW)),
                Err(reason),
                "{}",
                &token[..token.len().min(80)]
            );
        }
    }

    #[test]
    fn a_flipped_bit_anywhere_in_payload_or_signature_breaks_the_signature() {
        let keys = Keys::new();
        let token = run(sign(&keys, &claims())).unwrap();
        let (head, _) = token.split_once('.').unwrap();
        for position in (head.len() + 1..token.len()).step_by(7) {
            let mut bytes = token.clone().into_bytes();
            if bytes[position] == b'.' {
                continue;
            }
            bytes[position] = if bytes[position] == b'A' { b'B' } else { b'A' };
            let tampered = String::from_utf8(bytes).unwrap();
            let result = run(verify(&keys, &settings(), &tampered, NOW));
            assert!(
                matches!(result, Err(Rejection::Signature | Rejection::Malformed)),
                "position {position}: {result:?}"
            );
        }
    }

    #[test]
    fn a_key_with_a_known_kid_but_another_secret_is_refused() {
        let keys = Keys::new();
        let impostor = Keys {
            signing: SigningKey::from_slice(&[8u8; 32]).unwrap(),
            ..Keys::new()
        };
        let token = run(sign(&impostor, &claims())).unwrap();
        assert_eq!(
            run(verify(&keys, &settings(), &token, NOW)),
            Err(Rejection::Signature)
        );
    }
}
