//! A passkey authenticator in software, for the HTTP tests: a P-256 key and a credential id,
//! making registrations (`none` attestation) and assertions as an authenticator does, with the
//! CBOR written here by hand (an implementation independent of the worker's parsers), and the
//! bodies a browser's `PublicKeyCredential.toJSON()` would post. Every part can be made wrong
//! on purpose: another origin or RP id, another count, another key's signature.

mod rs256_test_key;

use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine as _;
use p256::ecdsa::signature::Signer as _;
use p256::ecdsa::{Signature, SigningKey};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

/// The RP id and origin the test worker's settings name (`PASSKEY_RP_ID`, `PASSKEY_ORIGINS`).
pub const RP_ID: &str = "localhost";
pub const ORIGIN: &str = "http://localhost";

/// User present and verified; with attested credential data.
const UP_UV: u8 = 0x05;
const UP_UV_AT: u8 = 0x45;

pub fn b64(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

pub fn b64_decode(text: &str) -> Vec<u8> {
    URL_SAFE_NO_PAD.decode(text).expect("base64url")
}

/// A CBOR byte string's head and bytes (major type 2).
fn cbor_bytes(bytes: &[u8]) -> Vec<u8> {
    let mut out = match bytes.len() {
        n if n < 24 => vec![0x40 | n as u8],
        n if n < 256 => vec![0x58, n as u8],
        n => vec![0x59, (n >> 8) as u8, n as u8],
    };
    out.extend_from_slice(bytes);
    out
}

/// A CBOR text string (major type 3), short.
fn cbor_text(text: &str) -> Vec<u8> {
    let mut out = vec![0x60 | text.len() as u8];
    out.extend_from_slice(text.as_bytes());
    out
}

/// A COSE_Key of an EC2 key: `{1: 2, 3: alg, -1: crv, -2: x, -3: y}`.
pub fn cose_ec2(alg: i8, crv: u8, x: &[u8], y: &[u8]) -> Vec<u8> {
    // A negative CBOR integer -1 - n is 0x20 | n (n < 24), or 0x38 n.
    let negative = |value: i8| {
        let n = (-1 - i16::from(value)) as u8;
        if n < 24 {
            vec![0x20 | n]
        } else {
            vec![0x38, n]
        }
    };
    let mut out = vec![0xa5, 0x01, 0x02, 0x03];
    out.extend(negative(alg));
    out.extend([0x20, crv, 0x21]);
    out.extend(cbor_bytes(x));
    out.push(0x22);
    out.extend(cbor_bytes(y));
    out
}

/// `{"fmt": "none", "attStmt": {}, "authData": ...}`.
pub fn attestation_none(auth_data: &[u8]) -> Vec<u8> {
    let mut out = vec![0xa3];
    out.extend(cbor_text("fmt"));
    out.extend(cbor_text("none"));
    out.extend(cbor_text("attStmt"));
    out.push(0xa0);
    out.extend(cbor_text("authData"));
    out.extend(cbor_bytes(auth_data));
    out
}

/// Authenticator data: the RP id's hash, the flags, the count, the credential when given.
pub fn auth_data(
    rp_id: &str,
    flags: u8,
    count: u32,
    credential: Option<(&[u8], &[u8])>,
) -> Vec<u8> {
    let mut out = Sha256::digest(rp_id.as_bytes()).to_vec();
    out.push(flags);
    out.extend_from_slice(&count.to_be_bytes());
    if let Some((id, cose)) = credential {
        out.extend_from_slice(&[0; 16]);
        out.extend_from_slice(&(id.len() as u16).to_be_bytes());
        out.extend_from_slice(id);
        out.extend_from_slice(cose);
    }
    out
}

pub fn client_data(kind: &str, challenge: &str, origin: &str) -> Vec<u8> {
    json!({"type": kind, "challenge": challenge, "origin": origin, "crossOrigin": false})
        .to_string()
        .into_bytes()
}

/// How a passkey signs: the three algorithms the service offers.
enum Key {
    Es256(SigningKey),
    Ed25519(ed25519_dalek::SigningKey),
    /// PKCS#1 DER and the modulus (the exponent is 65537).
    Rs256(Vec<u8>, Vec<u8>),
}

/// One passkey: its key and credential id.
pub struct Passkey {
    key: Key,
    pub id: Vec<u8>,
}

/// What an assertion is made of, each part open to tampering before it is posted.
#[derive(Clone)]
pub struct Assertion {
    pub id: Vec<u8>,
    pub client_data: Vec<u8>,
    pub auth_data: Vec<u8>,
    pub signature: Vec<u8>,
    pub user_handle: Vec<u8>,
}

fn random_id() -> Vec<u8> {
    let mut id = [0u8; 16];
    rand_core::RngCore::fill_bytes(&mut rand_core::OsRng, &mut id);
    id.to_vec()
}

impl Passkey {
    /// An ES256 passkey, as most authenticators make.
    pub fn new() -> Self {
        Self {
            key: Key::Es256(SigningKey::random(&mut rand_core::OsRng)),
            id: random_id(),
        }
    }

    /// An Ed25519 (COSE EdDSA) passkey.
    pub fn ed25519() -> Self {
        let mut seed = [0u8; 32];
        rand_core::RngCore::fill_bytes(&mut rand_core::OsRng, &mut seed);
        Self {
            key: Key::Ed25519(ed25519_dalek::SigningKey::from_bytes(&seed)),
            id: random_id(),
        }
    }

    /// An RS256 passkey (Windows Hello's), with the tests' fixed RSA key.
    pub fn rs256() -> Self {
        let der = STANDARD
            .decode(rs256_test_key::PKCS1_DER_BASE64.concat())
            .unwrap();
        let hex = rs256_test_key::MODULUS_HEX.concat();
        let modulus = (0..hex.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap())
            .collect();
        Self {
            key: Key::Rs256(der, modulus),
            id: random_id(),
        }
    }

    /// The COSE_Key its authenticator would send.
    pub fn cose(&self) -> Vec<u8> {
        match &self.key {
            Key::Es256(key) => {
                let point = key.verifying_key().to_encoded_point(false);
                cose_ec2(-7, 1, point.x().unwrap(), point.y().unwrap())
            }
            // {1: 1 (OKP), 3: -8 (EdDSA), -1: 6 (Ed25519), -2: x}
            Key::Ed25519(key) => {
                let mut out = vec![0xa4, 0x01, 0x01, 0x03, 0x27, 0x20, 0x06, 0x21];
                out.extend(cbor_bytes(key.verifying_key().as_bytes()));
                out
            }
            // {1: 3 (RSA), 3: -257 (RS256), -1: n, -2: e}
            Key::Rs256(_, modulus) => {
                let mut out = vec![0xa4, 0x01, 0x03, 0x03, 0x39, 0x01, 0x00, 0x20];
                out.extend(cbor_bytes(modulus));
                out.push(0x21);
                out.extend(cbor_bytes(&[1, 0, 1]));
                out
            }
        }
    }

    /// The body of `POST /api/v1/passkeys/register` for `challenge`, as a browser at `origin`
    /// would post it; `cose` is the key to attest (this passkey's, or another one).
    pub fn registration(&self, challenge: &str, origin: &str, rp_id: &str, cose: &[u8]) -> Value {
        let client = client_data("webauthn.create", challenge, origin);
        let auth = auth_data(rp_id, UP_UV_AT, 0, Some((&self.id, cose)));
        registration_body(&self.id, &client, &attestation_none(&auth))
    }

    /// A sign-in's assertion for `challenge`, at sign count `count`, for the user `handle`.
    pub fn assertion(
        &self,
        challenge: &str,
        origin: &str,
        rp_id: &str,
        count: u32,
        handle: &[u8],
    ) -> Assertion {
        let client_data = client_data("webauthn.get", challenge, origin);
        let auth_data = auth_data(rp_id, UP_UV, count, None);
        let signature = self.sign(&auth_data, &client_data);
        Assertion {
            id: self.id.clone(),
            client_data,
            auth_data,
            signature,
            user_handle: handle.to_vec(),
        }
    }

    /// A signature over what an authenticator signs (the data, then the client data's hash), as
    /// WebAuthn sends it: DER for ES256, raw for Ed25519, PKCS#1 v1.5 for RS256.
    pub fn sign(&self, auth_data: &[u8], client_data: &[u8]) -> Vec<u8> {
        let mut signed = auth_data.to_vec();
        signed.extend_from_slice(&Sha256::digest(client_data));
        match &self.key {
            Key::Es256(key) => {
                let signature: Signature = key.sign(&signed);
                signature.to_der().as_bytes().to_vec()
            }
            Key::Ed25519(key) => ed25519_dalek::Signer::sign(key, &signed)
                .to_bytes()
                .to_vec(),
            Key::Rs256(der, _) => {
                let key = jsonwebtoken::EncodingKey::from_rsa_der(der);
                let signature =
                    jsonwebtoken::crypto::sign(&signed, &key, jsonwebtoken::Algorithm::RS256)
                        .unwrap();
                URL_SAFE_NO_PAD.decode(signature).unwrap()
            }
        }
    }
}

impl Default for Passkey {
    fn default() -> Self {
        Self::new()
    }
}

/// A registration body of raw parts (a test may post a malformed attestation).
pub fn registration_body(id: &[u8], client_data: &[u8], attestation: &[u8]) -> Value {
    json!({
        "name": "e2e key",
        "credential": {
            "id": b64(id), "rawId": b64(id), "type": "public-key",
            "response": {
                "clientDataJSON": b64(client_data),
                "attestationObject": b64(attestation),
                "transports": ["internal"],
            },
        },
    })
}

impl Assertion {
    /// The body of `POST /api/v1/passkeys/login`.
    pub fn body(&self) -> Value {
        json!({
            "credential": {
                "id": b64(&self.id), "rawId": b64(&self.id), "type": "public-key",
                "response": {
                    "clientDataJSON": b64(&self.client_data),
                    "authenticatorData": b64(&self.auth_data),
                    "signature": b64(&self.signature),
                    "userHandle": b64(&self.user_handle),
                },
            },
        })
    }
}
