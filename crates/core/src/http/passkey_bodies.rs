//! The bodies of the passkey routes: what `PublicKeyCredential.toJSON()` gives a client after
//! `navigator.credentials.create()` or `get()` (WebAuthn Level 3 §5.1, base64url fields), and
//! the name a user gives a passkey. Decoded here once, so a use case sees bytes; anything that
//! does not decode is `INVALID_PASSKEY_RESPONSE`, naming the field.

use crate::domain::passkey::{CredentialId, PasskeyName};
use crate::http::error::{ErrorBody, ErrorCode};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use serde::Deserialize;

/// `POST /api/v1/passkeys/register`.
#[derive(Debug, Deserialize)]
pub struct RegisterBody {
    /// What the user calls it ("Work laptop"); `Passkey` when absent.
    #[serde(default)]
    pub name: Option<String>,
    pub credential: Credential<AttestationResponse>,
}

/// `POST /api/v1/passkeys/login`.
#[derive(Debug, Deserialize)]
pub struct LoginBody {
    pub credential: Credential<AssertionResponse>,
}

#[derive(Debug, Deserialize)]
pub struct Credential<R> {
    pub id: String,
    #[serde(rename = "rawId")]
    pub raw_id: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub response: R,
}

#[derive(Debug, Deserialize)]
pub struct AttestationResponse {
    #[serde(rename = "clientDataJSON")]
    pub client_data_json: String,
    #[serde(rename = "attestationObject")]
    pub attestation_object: String,
    #[serde(default)]
    pub transports: Vec<String>,
}

#[derive(Debug, Deserialize)]
pub struct AssertionResponse {
    #[serde(rename = "clientDataJSON")]
    pub client_data_json: String,
    #[serde(rename = "authenticatorData")]
    pub authenticator_data: String,
    pub signature: String,
    #[serde(rename = "userHandle", default)]
    pub user_handle: Option<String>,
}

/// A registration, decoded.
#[derive(Debug)]
pub struct DecodedRegistration {
    pub client_data_json: Vec<u8>,
    pub attestation_object: Vec<u8>,
    pub transports: Vec<String>,
    pub name: PasskeyName,
}

/// A sign-in's assertion, decoded.
#[derive(Debug)]
pub struct DecodedAssertion {
    pub credential: CredentialId,
    pub client_data_json: Vec<u8>,
    pub authenticator_data: Vec<u8>,
    pub signature: Vec<u8>,
    pub user_handle: Vec<u8>,
}

/// The transports WebAuthn names (§5.8.4); others are dropped, not stored.
const TRANSPORTS: [&str; 6] = ["usb", "nfc", "ble", "smart-card", "hybrid", "internal"];

fn refused(details: &str) -> ErrorBody {
    ErrorBody::new(
        ErrorCode::InvalidPasskeyResponse,
        "the passkey's response was refused",
    )
    .with_details(details.to_owned())
}

/// base64url, with or without padding (clients differ).
fn bytes(field: &str, text: &str) -> Result<Vec<u8>, ErrorBody> {
    URL_SAFE_NO_PAD
        .decode(text.trim_end_matches('='))
        .map_err(|_| refused(&format!("{field} is not base64url")))
}

/// The credential's id, the same in `id` and `rawId`, of a `public-key` credential.
fn credential_id<R>(credential: &Credential<R>) -> Result<CredentialId, ErrorBody> {
    if credential.kind != "public-key" {
        return Err(refused("type must be public-key"));
    }
    let raw = bytes("rawId", &credential.raw_id)?;
    if bytes("id", &credential.id)? != raw {
        return Err(refused("id and rawId differ"));
    }
    CredentialId::from_bytes(&raw).map_err(|e| refused(&e.to_string()))
}

impl RegisterBody {
    pub fn decode(&self) -> Result<DecodedRegistration, ErrorBody> {
        credential_id(&self.credential)?;
        let response = &self.credential.response;
        let name = PasskeyName::parse(self.name.as_deref().unwrap_or("Passkey")).map_err(|e| {
            ErrorBody::new(ErrorCode::InvalidRequest, "invalid name").with_details(e.to_string())
        })?;
        let mut transports: Vec<String> = Vec::new();
        for transport in &response.transports {
            if TRANSPORTS.contains(&transport.as_str()) && !transports.contains(transport) {
                transports.push(transport.clone());
            }
        }
        Ok(DecodedRegistration {
            client_data_json: bytes("clientDataJSON", &response.client_data_json)?,
            attestation_object: bytes("attestationObject", &response.attestation_object)?,
            transports,
            name,
        })
    }
}

impl LoginBody {
    pub fn decode(&self) -> Result<DecodedAssertion, ErrorBody> {
        let credential = credential_id(&self.credential)?;
        let response = &self.credential.response;
        let handle = response
            .user_handle
            .as_deref()
            .filter(|h| !h.is_empty())
            .ok_or_else(|| refused("userHandle is required: passkeys here are discoverable"))?;
        Ok(DecodedAssertion {
            credential,
            client_data_json: bytes("clientDataJSON", &response.client_data_json)?,
            authenticator_data: bytes("authenticatorData", &response.authenticator_data)?,
            signature: bytes("signature", &response.signature)?,
            user_handle: bytes("userHandle", handle)?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn login(credential: serde_json::Value) -> Result<DecodedAssertion, ErrorBody> {
        serde_json::from_value::<LoginBody>(json!({ "credential": credential }))
            .unwrap()
            .decode()
    }

    #[test]
    fn an_assertion_decodes_with_or_without_padding_and_refuses_what_does_not() {
        let good = json!({
            "id": "AAEC", "rawId": "AAEC", "type": "public-key",
            "response": {"clientDataJSON": "e30", "authenticatorData": "AQ==",
                         "signature": "Ag", "userHandle": "dQ"},
        });
        let decoded = login(good.clone()).unwrap();
        assert_eq!(decoded.credential.as_bytes(), [0, 1, 2]);
        assert_eq!(decoded.client_data_json, b"{}");
        assert_eq!(
            (decoded.authenticator_data, decoded.user_handle),
            (vec![1], b"u".to_vec())
        );
        let mut cases = Vec::new();
        for (path, value) in [
            ("/type", json!("password")),
            ("/id", json!("AAED")),
            ("/rawId", json!("")),
            ("/response/signature", json!("not base64!")),
            ("/response/userHandle", json!(null)),
            ("/response/userHandle", json!("")),
        ] {
            let mut bad = good.clone();
            *bad.pointer_mut(path).unwrap() = value;
            cases.push((path, bad));
        }
        for (path, bad) in cases {
            let refused = login(bad).unwrap_err();
            assert_eq!(refused.code, ErrorCode::InvalidPasskeyResponse, "{path}");
        }
    }

    #[test]
    fn a_registration_keeps_known_transports_once_and_names_the_passkey() {
        let body: RegisterBody = serde_json::from_value(json!({
            "credential": {"id": "AAEC", "rawId": "AAEC", "type": "public-key",
                           "response": {"clientDataJSON": "e30", "attestationObject": "oA",
                                        "transports": ["internal", "hybrid", "internal", "x-new"]}},
        }))
        .unwrap();
        let decoded = body.decode().unwrap();
        assert_eq!(decoded.transports, ["internal", "hybrid"]);
        assert_eq!(decoded.name.as_str(), "Passkey");
        let named: RegisterBody = serde_json::from_value(json!({
            "name": "\u{7}bell",
            "credential": {"id": "AAEC", "rawId": "AAEC", "type": "public-key",
                           "response": {"clientDataJSON": "e30", "attestationObject": "oA"}},
        }))
        .unwrap();
        assert_eq!(named.decode().unwrap_err().code, ErrorCode::InvalidRequest);
    }
}
