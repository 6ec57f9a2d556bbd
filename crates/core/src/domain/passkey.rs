//! A passkey as the account keeps it: the credential's id, the name its user gave it, and how
//! many a user may have. What an authenticator sends is read in [`crate::domain::webauthn`];
//! this is what is left of it once it is the account's.
//!
//! A credential id is the authenticator's, not ours: with `none` attestation a client can
//! choose it freely, so it is unique per user only (the table's key is `(user_id,
//! credential_id)`), and a sign-in looks it up under the user its assertion names (the user
//! handle). Another user registering the same id changes nothing for the first.

pub mod challenge;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;

use crate::domain::account::UserId;
use crate::domain::regions;
use crate::domain::webauthn::authenticator_data::MAX_CREDENTIAL_ID_BYTES;

/// The most passkeys one user may have: each is a row and a key to check, and no one needs
/// more than a few devices' worth. Enforced by the store, in the same step as the insert.
pub const MAX_PASSKEYS_PER_USER: u32 = 20;

/// The longest name a user may give a passkey, in characters.
pub const MAX_NAME_CHARS: usize = 64;

/// A credential id: 1 to 1023 bytes (WebAuthn §5.8.3), written as base64url without padding
/// wherever it leaves the service (the `rawId` a client sends, the `{id}` of a passkey's URL).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CredentialId(Vec<u8>);

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum PasskeyValueError {
    #[error("a credential id is 1 to 1023 bytes of base64url")]
    CredentialId,
    #[error("a passkey's name is 1 to 64 characters, none of them a control character")]
    Name,
}

impl CredentialId {
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, PasskeyValueError> {
        if bytes.is_empty() || bytes.len() > MAX_CREDENTIAL_ID_BYTES {
            return Err(PasskeyValueError::CredentialId);
        }
        Ok(Self(bytes.to_vec()))
    }

    /// From its base64url form (strict: no padding, no stray bits).
    pub fn parse(text: &str) -> Result<Self, PasskeyValueError> {
        // 1023 bytes take 1364 characters; anything longer is refused before decoding.
        if text.len() > 1364 {
            return Err(PasskeyValueError::CredentialId);
        }
        let bytes = URL_SAFE_NO_PAD
            .decode(text)
            .map_err(|_| PasskeyValueError::CredentialId)?;
        Self::from_bytes(&bytes)
    }

    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    pub fn to_base64url(&self) -> String {
        URL_SAFE_NO_PAD.encode(&self.0)
    }
}

/// The name a user gives a passkey ("Work laptop"): trimmed, 1 to [`MAX_NAME_CHARS`]
/// characters, no control characters (it is shown in lists and written to no log).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PasskeyName(String);

impl PasskeyName {
    pub fn parse(text: &str) -> Result<Self, PasskeyValueError> {
        let name = text.trim();
        let chars = name.chars().count();
        if chars == 0 || chars > MAX_NAME_CHARS || name.chars().any(char::is_control) {
            return Err(PasskeyValueError::Name);
        }
        Ok(Self(name.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The user handle a passkey carries for its user (WebAuthn's `user.id`, set at registration
/// and handed back by every sign-in): the user id, with its data region in front as a refresh
/// token has it (`regions::tagged`). A sign-in starts from it: the region's database, and in
/// it the user's Citus shard. No number or name is in it (WebAuthn §14.6.1).
pub fn user_handle(region: Option<&str>, user: &UserId) -> Vec<u8> {
    regions::tagged(region, user.as_str().to_owned()).into_bytes()
}

/// The region tag and the user of a user handle; `None` for one this service did not set.
pub fn user_of_handle(handle: &[u8]) -> Option<(Option<&str>, UserId)> {
    let text = std::str::from_utf8(handle).ok()?;
    let (region, id) = regions::split_tag(text);
    Some((region, UserId::parse(id).ok()?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_user_handle_names_the_user_and_its_region_and_nothing_else_passes() {
        let user = UserId::parse("7f3c2a9e-3b1d-4f6a-8c2e-000000000001").unwrap();
        let handle = user_handle(Some("eu"), &user);
        assert_eq!(handle, b"eu.7f3c2a9e-3b1d-4f6a-8c2e-000000000001");
        assert_eq!(user_of_handle(&handle), Some((Some("eu"), user.clone())));
        assert_eq!(
            user_of_handle(&user_handle(None, &user)),
            Some((None, user))
        );
        for bad in [&b""[..], b"eu.", b"not-a-user", b"\xff\xfe", b"eu.7f3c2a9e"] {
            assert_eq!(user_of_handle(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn a_credential_id_is_one_to_1023_bytes_of_strict_base64url() {
        let id = CredentialId::parse("AAEC_w").unwrap();
        assert_eq!(id.as_bytes(), [0, 1, 2, 255]);
        assert_eq!(id.to_base64url(), "AAEC_w");
        let longest = URL_SAFE_NO_PAD.encode([7u8; 1023]);
        assert_eq!(
            CredentialId::parse(&longest).unwrap().as_bytes().len(),
            1023
        );
        let too_long = URL_SAFE_NO_PAD.encode([7u8; 1024]);
        for bad in ["", "AAEC/w", "AAEC+w", "AAEC_w==", "AAEC_x", &too_long] {
            assert_eq!(
                CredentialId::parse(bad),
                Err(PasskeyValueError::CredentialId),
                "{bad:?}"
            );
        }
        assert!(CredentialId::from_bytes(&[]).is_err());
    }

    #[test]
    fn a_name_is_trimmed_and_held_to_64_printable_characters() {
        assert_eq!(
            PasskeyName::parse("  Work laptop ").unwrap().as_str(),
            "Work laptop"
        );
        assert_eq!(
            PasskeyName::parse(&"é".repeat(64))
                .unwrap()
                .as_str()
                .chars()
                .count(),
            64
        );
        for bad in ["", "   ", "tab\there", "new\nline", &"x".repeat(65)] {
            assert_eq!(
                PasskeyName::parse(bad),
                Err(PasskeyValueError::Name),
                "{bad:?}"
            );
        }
    }
}
