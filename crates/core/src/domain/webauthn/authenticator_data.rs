//! Authenticator data (WebAuthn §6.1): the SHA-256 of the RP id, the flags, the sign count,
//! and at registration the attested credential (its AAGUID, id and COSE public key).

use super::cose::CredentialKey;
use super::WebauthnError;
use coset::cbor::value::Value;
use sha2::{Digest, Sha256};

/// User present.
const FLAG_UP: u8 = 0x01;
/// User verified (a PIN, a biometric).
const FLAG_UV: u8 = 0x04;
/// Attested credential data follows the sign count.
const FLAG_AT: u8 = 0x40;
/// Extensions follow.
const FLAG_ED: u8 = 0x80;

/// A credential id longer than this is refused (WebAuthn §5.8.3 caps it at 1023 bytes).
pub const MAX_CREDENTIAL_ID_BYTES: usize = 1023;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthenticatorData {
    pub rp_id_hash: [u8; 32],
    pub flags: u8,
    pub sign_count: u32,
    /// Present at registration.
    pub credential: Option<AttestedCredential>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttestedCredential {
    pub aaguid: [u8; 16],
    pub id: Vec<u8>,
    pub key: CredentialKey,
    /// The COSE_Key's bytes as the authenticator sent them: what the account keeps.
    pub cose_key: Vec<u8>,
}

impl AuthenticatorData {
    /// Takes the bytes apart. The COSE key is read as one CBOR item, so what follows it (the
    /// extensions, when flagged) is told apart; anything left over is refused.
    pub fn parse(bytes: &[u8]) -> Result<Self, WebauthnError> {
        let bad = WebauthnError::AuthenticatorData;
        if bytes.len() < 37 {
            return Err(bad);
        }
        let rp_id_hash: [u8; 32] = bytes[..32].try_into().map_err(|_| bad)?;
        let flags = bytes[32];
        let sign_count = u32::from_be_bytes(bytes[33..37].try_into().map_err(|_| bad)?);
        let mut rest = &bytes[37..];
        let credential = if flags & FLAG_AT != 0 {
            let (aaguid, after) = rest.split_at_checked(16).ok_or(bad)?;
            let (len, after) = after.split_at_checked(2).ok_or(bad)?;
            let len = usize::from(u16::from_be_bytes([len[0], len[1]]));
            if len == 0 || len > MAX_CREDENTIAL_ID_BYTES {
                return Err(bad);
            }
            let (id, key_start) = after.split_at_checked(len).ok_or(bad)?;
            let mut after = key_start;
            let key: Value = ciborium::de::from_reader(&mut after).map_err(|_| bad)?;
            let cose_key = key_start[..key_start.len() - after.len()].to_vec();
            rest = after;
            Some(AttestedCredential {
                aaguid: aaguid.try_into().map_err(|_| bad)?,
                id: id.to_vec(),
                key: CredentialKey::from_cose(key)?,
                cose_key,
            })
        } else {
            None
        };
        if flags & FLAG_ED != 0 {
            let _extensions: Value = ciborium::de::from_reader(&mut rest).map_err(|_| bad)?;
        }
        if !rest.is_empty() {
            return Err(bad);
        }
        Ok(Self {
            rp_id_hash,
            flags,
            sign_count,
            credential,
        })
    }

    /// Holds the data to the relying party: its RP id's hash, the user present, and verified
    /// (the passkey replaces the SMS code, so it must be a second factor in itself).
    pub fn check(&self, rp_id: &str) -> Result<(), WebauthnError> {
        let expected: [u8; 32] = Sha256::digest(rp_id.as_bytes()).into();
        if !crate::domain::secrets::same_secret(&self.rp_id_hash, &expected) {
            return Err(WebauthnError::RpId);
        }
        if self.flags & FLAG_UP == 0 {
            return Err(WebauthnError::UserPresence);
        }
        if self.flags & FLAG_UV == 0 {
            return Err(WebauthnError::UserVerification);
        }
        Ok(())
    }
}
