//! DPoP proofs (RFC 9449): a client's proof, on each request, that it holds the private key
//! its tokens are bound to (`cnf.jkt`, the key's RFC 7638 thumbprint). A proof is a compact JWS
//! signed with that key and carrying its public half: [`parse`] takes it apart and refuses
//! what RFC 9449 §4.3 refuses on sight, [`Proof::check`] holds its claims to the request,
//! [`Proof::verify_signature`] checks it with the key it carries, through a
//! [`ProofVerifier`] (WebCrypto in the worker). That a `jti` is used once is the OTP store's
//! to say (one `SET NX EX`), not this module's.

use crate::ports::UnixSeconds;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use serde::Deserialize;
use serde_json::Value;
use sha2::{Digest, Sha256};

pub mod nonce;

/// The proof's `typ`.
pub const PROOF_TYPE: &str = "dpop+jwt";
/// The one algorithm offered (`dpop_signing_alg_values_supported`).
pub const PROOF_ALGORITHM: &str = "ES256";
/// Proofs larger than this are refused unread: an ES256 proof is about 600 bytes.
pub const MAX_PROOF_BYTES: usize = 2048;
/// How far a proof's `iat` may be from now, either way (clock skew and the request's flight).
pub const PROOF_WINDOW_SECS: i64 = 60;

/// Why a proof was refused. RFC 9449 answers each with `invalid_dpop_proof`, but a missing or
/// stale nonce, which is `use_dpop_nonce` (the client retries with the nonce it is given).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum ProofError {
    #[error("malformed proof")]
    Malformed,
    #[error("typ is not dpop+jwt")]
    Type,
    #[error("algorithm is not ES256")]
    Algorithm,
    #[error("the key is not a public EC P-256 key")]
    Key,
    #[error("htm is not the request's method")]
    Method,
    #[error("htu is not the request's URL")]
    Url,
    #[error("iat is outside the window")]
    Time,
    #[error("ath is not the access token's hash")]
    AccessTokenHash,
    #[error("the server's nonce is missing or stale")]
    Nonce,
    #[error("bad signature")]
    Signature,
}

impl ProofError {
    /// The RFC 9449 error code a client reads.
    pub fn code(self) -> &'static str {
        match self {
            ProofError::Nonce => "use_dpop_nonce",
            _ => "invalid_dpop_proof",
        }
    }
}

/// The public key a proof carries: a P-256 point.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProofKey {
    pub x: [u8; 32],
    pub y: [u8; 32],
}

impl ProofKey {
    /// The RFC 7638 thumbprint: SHA-256 of the key's required members in lexicographic order,
    /// base64url. Tokens bound to the key carry it as `cnf.jkt`.
    pub fn thumbprint(&self) -> String {
        let canonical = format!(
            r#"{{"crv":"P-256","kty":"EC","x":"{}","y":"{}"}}"#,
            URL_SAFE_NO_PAD.encode(self.x),
            URL_SAFE_NO_PAD.encode(self.y)
        );
        URL_SAFE_NO_PAD.encode(Sha256::digest(canonical.as_bytes()))
    }
}

/// Checks a raw 64-byte r || s ECDSA P-256 / SHA-256 signature with a proof's own key.
/// Implementations MUST answer `false` for a bad signature or a point off the curve.
pub trait ProofVerifier {
    fn verify(
        &self,
        key: &ProofKey,
        signing_input: &[u8],
        signature: &[u8],
    ) -> impl std::future::Future<Output = bool>;
}

/// The claims RFC 9449 §4.2 puts in a proof.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct ProofClaims {
    pub jti: String,
    pub htm: String,
    pub htu: String,
    pub iat: UnixSeconds,
    #[serde(default)]
    pub ath: Option<String>,
    #[serde(default)]
    pub nonce: Option<String>,
}

/// A proof taken apart, its signature not yet checked.
#[derive(Debug, Clone)]
pub struct Proof {
    pub key: ProofKey,
    pub claims: ProofClaims,
    signing_input: String,
    signature: Vec<u8>,
}

/// What the request a proof came with says.
#[derive(Debug, Clone, Copy)]
pub struct Expected<'a> {
    pub method: &'a str,
    /// The request's URL as the server received it.
    pub url: &'a str,
    pub now: UnixSeconds,
    /// The access token presented with the proof, if any: the proof must carry its hash.
    pub access_token: Option<&'a str>,
    /// The nonce the server requires now, if any.
    pub nonce: Option<&'a str>,
}

#[derive(Deserialize)]
struct Header {
    typ: Option<String>,
    alg: Option<String>,
    jwk: Option<Value>,
}

/// Takes a proof apart: a compact JWS whose header says `dpop+jwt`, ES256 and a public P-256
/// `jwk` (a key with a private member is refused), with the claims of RFC 9449 §4.2.
pub fn parse(proof: &str) -> Result<Proof, ProofError> {
    if proof.len() > MAX_PROOF_BYTES {
        return Err(ProofError::Malformed);
    }
    let mut parts = proof.split('.');
    let (Some(header), Some(payload), Some(signature), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(ProofError::Malformed);
    };
    let decode = |part: &str| {
        URL_SAFE_NO_PAD
            .decode(part)
            .map_err(|_| ProofError::Malformed)
    };
    let head: Header =
        serde_json::from_slice(&decode(header)?).map_err(|_| ProofError::Malformed)?;
    if head.typ.as_deref() != Some(PROOF_TYPE) {
        return Err(ProofError::Type);
    }
    if head.alg.as_deref() != Some(PROOF_ALGORITHM) {
        return Err(ProofError::Algorithm);
    }
    let key = public_key(head.jwk.as_ref().ok_or(ProofError::Key)?)?;
    let claims: ProofClaims =
        serde_json::from_slice(&decode(payload)?).map_err(|_| ProofError::Malformed)?;
    let signature = decode(signature)?;
    if signature.len() != 64 {
        return Err(ProofError::Signature);
    }
    Ok(Proof {
        key,
        claims,
        signing_input: format!("{header}.{payload}"),
        signature,
    })
}

/// A public EC P-256 JWK's point; anything else (another curve or type, a private member, a
/// coordinate of the wrong size) is refused.
fn public_key(jwk: &Value) -> Result<ProofKey, ProofError> {
    let member = |name: &str| jwk.get(name).and_then(Value::as_str);
    if member("kty") != Some("EC") || member("crv") != Some("P-256") || jwk.get("d").is_some() {
        return Err(ProofError::Key);
    }
    let coordinate = |name: &str| -> Result<[u8; 32], ProofError> {
        let bytes = URL_SAFE_NO_PAD
            .decode(member(name).ok_or(ProofError::Key)?)
            .map_err(|_| ProofError::Key)?;
        bytes.try_into().map_err(|_| ProofError::Key)
    };
    Ok(ProofKey {
        x: coordinate("x")?,
        y: coordinate("y")?,
    })
}

/// RFC 9449 §4.3 point 9: the URL without its query and fragment; scheme and host compared
/// without regard to case (RFC 3986 §6.2.2.1).
fn target_of(url: &str) -> Option<String> {
    let end = url.find(['?', '#']).unwrap_or(url.len());
    let url = &url[..end];
    let (scheme, rest) = url.split_once("://")?;
    let (authority, path) = match rest.find('/') {
        Some(slash) => rest.split_at(slash),
        None => (rest, "/"),
    };
    Some(format!(
        "{}://{}{path}",
        scheme.to_ascii_lowercase(),
        authority.to_ascii_lowercase()
    ))
}

/// The key under which a proof's `jti` is taken once (`crate::ports::OnceStore`): the key's
/// thumbprint and the `jti`, hashed, so a client's `jti` of any shape makes a key of fixed size
/// and one client's `jti` can never spend another's.
pub fn replay_key(jkt: &str, jti: &str) -> String {
    let mut digest = Sha256::new();
    digest.update(jkt.as_bytes());
    digest.update([0]);
    digest.update(jti.as_bytes());
    format!("dpop:{}", URL_SAFE_NO_PAD.encode(digest.finalize()))
}

/// How long a taken `jti` is remembered: as long as its proof's `iat` stays in the window,
/// either way.
pub const REPLAY_TTL_SECS: u32 = 2 * PROOF_WINDOW_SECS as u32;

/// `ath`: base64url of the access token's SHA-256.
pub fn access_token_hash(access_token: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(access_token.as_bytes()))
}

impl Proof {
    /// The key's thumbprint, what a bound token's `cnf.jkt` must equal.
    pub fn jkt(&self) -> String {
        self.key.thumbprint()
    }

    /// Holds the claims to the request: the method, the URL, `iat` within
    /// [`PROOF_WINDOW_SECS`], the access token's hash when one is presented, and the server's
    /// nonce when it requires one. Cheap, so it runs before the signature check.
    pub fn check(&self, expected: &Expected<'_>) -> Result<(), ProofError> {
        let c = &self.claims;
        if c.htm != expected.method {
            return Err(ProofError::Method);
        }
        let htu = target_of(&c.htu);
        if htu.is_none() || htu != target_of(expected.url) {
            return Err(ProofError::Url);
        }
        if (c.iat - expected.now).abs() > PROOF_WINDOW_SECS {
            return Err(ProofError::Time);
        }
        if let Some(token) = expected.access_token {
            if c.ath.as_deref() != Some(access_token_hash(token).as_str()) {
                return Err(ProofError::AccessTokenHash);
            }
        }
        match expected.nonce {
            Some(nonce) if c.nonce.as_deref() != Some(nonce) => Err(ProofError::Nonce),
            _ => Ok(()),
        }
    }

    /// Checks the signature with the key the proof carries.
    pub async fn verify_signature(&self, verifier: &impl ProofVerifier) -> Result<(), ProofError> {
        if verifier
            .verify(&self.key, self.signing_input.as_bytes(), &self.signature)
            .await
        {
            Ok(())
        } else {
            Err(ProofError::Signature)
        }
    }
}

#[cfg(all(test, not(target_arch = "wasm32")))]
pub(crate) mod tests;
