//! A passkey's public key, from the COSE_Key (RFC 9052 §7) its authenticator sends at
//! registration: the algorithms this service accepts, and nothing else.

use super::WebauthnError;
use coset::cbor::value::Value;
use coset::{iana, AsCborValue, CoseKey, KeyType, Label, RegisteredLabelWithPrivate};

/// The COSE algorithm ids a registration may use, in the order the server offers them
/// (`pubKeyCredParams`): ES256, EdDSA (Ed25519), RS256.
pub const OFFERED_ALGORITHMS: [i64; 3] = [-7, -8, -257];

/// A credential's public key, in the form WebCrypto imports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CredentialKey {
    /// ECDSA P-256 with SHA-256: the point.
    Es256 { x: [u8; 32], y: [u8; 32] },
    /// Ed25519: the public key.
    Ed25519 { x: [u8; 32] },
    /// RSASSA-PKCS1-v1_5 with SHA-256: modulus and exponent, big-endian.
    Rs256 { n: Vec<u8>, e: Vec<u8> },
}

impl CredentialKey {
    /// The COSE algorithm id.
    pub fn algorithm(&self) -> i64 {
        match self {
            CredentialKey::Es256 { .. } => -7,
            CredentialKey::Ed25519 { .. } => -8,
            CredentialKey::Rs256 { .. } => -257,
        }
    }

    /// The key of a COSE_Key's bytes (as an authenticator sent them, and the account keeps
    /// them): one CBOR item and nothing after it.
    pub fn from_cose_bytes(bytes: &[u8]) -> Result<Self, WebauthnError> {
        let mut reader = bytes;
        let value: Value =
            ciborium::de::from_reader(&mut reader).map_err(|_| WebauthnError::Algorithm)?;
        if !reader.is_empty() {
            return Err(WebauthnError::Algorithm);
        }
        Self::from_cose(value)
    }

    /// The key a COSE_Key value describes, if it is one of ours: its `alg` must be offered,
    /// and its type, curve and parameters must be that algorithm's. A private member (`d`) is
    /// refused: an authenticator never sends one.
    pub fn from_cose(value: Value) -> Result<Self, WebauthnError> {
        let key = CoseKey::from_cbor_value(value).map_err(|_| WebauthnError::Algorithm)?;
        let param = |label: i64| {
            key.params
                .iter()
                .find(|(l, _)| *l == Label::Int(label))
                .map(|(_, v)| v)
        };
        let bytes = |label: i64| match param(label) {
            Some(Value::Bytes(b)) => Ok(b.as_slice()),
            _ => Err(WebauthnError::Algorithm),
        };
        let fixed = |label: i64| -> Result<[u8; 32], WebauthnError> {
            bytes(label)?
                .try_into()
                .map_err(|_| WebauthnError::Algorithm)
        };
        let curve = |want: iana::EllipticCurve| param(-1) == Some(&Value::from(want as i64));
        let alg = match key.alg {
            Some(RegisteredLabelWithPrivate::Assigned(alg)) => alg,
            _ => return Err(WebauthnError::Algorithm),
        };
        match (alg, &key.kty) {
            (iana::Algorithm::ES256, KeyType::Assigned(iana::KeyType::EC2))
                if curve(iana::EllipticCurve::P_256) && param(-4).is_none() =>
            {
                Ok(CredentialKey::Es256 {
                    x: fixed(-2)?,
                    y: fixed(-3)?,
                })
            }
            (iana::Algorithm::EdDSA, KeyType::Assigned(iana::KeyType::OKP))
                if curve(iana::EllipticCurve::Ed25519) && param(-4).is_none() =>
            {
                Ok(CredentialKey::Ed25519 { x: fixed(-2)? })
            }
            (iana::Algorithm::RS256, KeyType::Assigned(iana::KeyType::RSA)) => {
                let (n, e) = (bytes(-1)?, bytes(-2)?);
                // 2048 bits at least; a private member (-3, `d`) is refused.
                if n.len() < 256 || e.is_empty() || e.len() > 8 || param(-3).is_some() {
                    return Err(WebauthnError::Algorithm);
                }
                Ok(CredentialKey::Rs256 {
                    n: n.to_vec(),
                    e: e.to_vec(),
                })
            }
            _ => Err(WebauthnError::Algorithm),
        }
    }
}
