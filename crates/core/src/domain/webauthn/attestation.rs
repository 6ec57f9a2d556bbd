//! A registration's attestation object (WebAuthn §6.5): `fmt`, `attStmt` and `authData`. Two
//! formats are accepted: `none`, and `packed` self-attestation (signed by the new credential's
//! own key, no certificate chain). The service trusts the phone's code, not the
//! authenticator's maker, so a chain would prove nothing it uses; one is refused rather than
//! ignored, so what is accepted is what is checked.

use super::authenticator_data::AuthenticatorData;
use super::WebauthnError;
use coset::cbor::value::Value;

/// An attestation object larger than this is refused unread.
pub const MAX_ATTESTATION_BYTES: usize = 4096;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attestation {
    pub auth_data: AuthenticatorData,
    /// The bytes of `authData`, which a packed self-attestation signs.
    pub raw_auth_data: Vec<u8>,
    /// A packed self-attestation's signature (as sent: DER for ES256), to be verified with
    /// the credential's own key over `authData || SHA-256(clientDataJSON)`; `None` for `none`.
    pub self_signature: Option<Vec<u8>>,
}

impl Attestation {
    pub fn parse(bytes: &[u8]) -> Result<Self, WebauthnError> {
        let bad = WebauthnError::Attestation;
        if bytes.len() > MAX_ATTESTATION_BYTES {
            return Err(bad);
        }
        let mut reader = bytes;
        let Value::Map(entries) = ciborium::de::from_reader(&mut reader).map_err(|_| bad)? else {
            return Err(bad);
        };
        if !reader.is_empty() {
            return Err(bad);
        }
        let field = |name: &str| {
            entries
                .iter()
                .find(|(k, _)| k.as_text() == Some(name))
                .map(|(_, v)| v)
        };
        let (Some(Value::Text(fmt)), Some(Value::Map(statement)), Some(Value::Bytes(raw))) =
            (field("fmt"), field("attStmt"), field("authData"))
        else {
            return Err(bad);
        };
        let auth_data = AuthenticatorData::parse(raw)?;
        let key = auth_data
            .credential
            .as_ref()
            .map(|c| c.key.algorithm())
            .ok_or(bad)?;
        let self_signature = match fmt.as_str() {
            "none" if statement.is_empty() => None,
            "packed" => Some(packed_self(statement, key)?),
            _ => return Err(WebauthnError::AttestationFormat),
        };
        Ok(Self {
            auth_data,
            raw_auth_data: raw.clone(),
            self_signature,
        })
    }
}

/// A packed statement's signature, when it is a self-attestation by a key of `algorithm`:
/// exactly `alg` and `sig`, no `x5c`.
fn packed_self(statement: &[(Value, Value)], algorithm: i64) -> Result<Vec<u8>, WebauthnError> {
    let member = |name: &str| {
        statement
            .iter()
            .find(|(k, _)| k.as_text() == Some(name))
            .map(|(_, v)| v)
    };
    if statement.len() != 2 {
        return Err(WebauthnError::AttestationFormat);
    }
    match (member("alg"), member("sig")) {
        (Some(Value::Integer(alg)), Some(Value::Bytes(sig)))
            if i64::try_from(*alg) == Ok(algorithm) =>
        {
            Ok(sig.clone())
        }
        (Some(Value::Integer(_)), Some(Value::Bytes(_))) => Err(WebauthnError::Algorithm),
        _ => Err(WebauthnError::AttestationFormat),
    }
}
