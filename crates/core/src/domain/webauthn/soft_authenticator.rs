//! An authenticator in software, for core's tests: it makes registrations and assertions as a
//! real one does (coset for the COSE key, ciborium for the CBOR, p256 for ES256 signatures in
//! DER), and [`P256Verifier`] checks them, an implementation independent of the worker's
//! WebCrypto. Tests only.

use super::cose::CredentialKey;
use super::SignatureVerifier;
use coset::cbor::value::Value;
use coset::{iana, CborSerializable, CoseKeyBuilder};
use p256::ecdsa::signature::{Signer as _, Verifier as _};
use p256::ecdsa::{Signature, SigningKey, VerifyingKey};
use sha2::{Digest, Sha256};

/// User present and verified.
pub const UP_UV: u8 = 0x05;
/// User present and verified, attested credential data included.
pub const UP_UV_AT: u8 = 0x45;

/// A P-256 key and its COSE_Key bytes (alg ES256).
pub fn es256_key(seed: u8) -> (SigningKey, Vec<u8>) {
    let key = SigningKey::from_slice(&[seed; 32]).unwrap();
    let point = key.verifying_key().to_encoded_point(false);
    let cose = CoseKeyBuilder::new_ec2_pub_key(
        iana::EllipticCurve::P_256,
        point.x().unwrap().to_vec(),
        point.y().unwrap().to_vec(),
    )
    .algorithm(iana::Algorithm::ES256)
    .build()
    .to_vec()
    .unwrap();
    (key, cose)
}

/// Authenticator data for `rp_id` with `flags`, the count, and the credential when given.
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
        out.extend_from_slice(&[7; 16]);
        out.extend_from_slice(&(id.len() as u16).to_be_bytes());
        out.extend_from_slice(id);
        out.extend_from_slice(cose);
    }
    out
}

pub fn cbor(value: &Value) -> Vec<u8> {
    let mut out = Vec::new();
    ciborium::ser::into_writer(value, &mut out).unwrap();
    out
}

pub fn attestation_object(fmt: &str, statement: Vec<(Value, Value)>, auth: &[u8]) -> Vec<u8> {
    cbor(&Value::Map(vec![
        (Value::from("fmt"), Value::from(fmt)),
        (Value::from("attStmt"), Value::Map(statement)),
        (Value::from("authData"), Value::Bytes(auth.to_vec())),
    ]))
}

/// `clientDataJSON` as a browser writes it.
pub fn client_data(kind: &str, challenge: &str, origin: &str) -> Vec<u8> {
    format!(
        r#"{{"type":"{kind}","challenge":"{challenge}","origin":"{origin}","crossOrigin":false}}"#
    )
    .into_bytes()
}

/// One passkey on one authenticator.
pub struct SoftPasskey {
    pub key: SigningKey,
    pub cose: Vec<u8>,
    pub credential_id: Vec<u8>,
}

impl SoftPasskey {
    pub fn new(seed: u8) -> Self {
        let (key, cose) = es256_key(seed);
        Self {
            key,
            cose,
            credential_id: vec![seed; 16],
        }
    }

    /// A `none` registration: (clientDataJSON, attestationObject).
    pub fn create(
        &self,
        rp_id: &str,
        origin: &str,
        challenge: &str,
        count: u32,
    ) -> (Vec<u8>, Vec<u8>) {
        let client = client_data("webauthn.create", challenge, origin);
        let auth = auth_data(
            rp_id,
            UP_UV_AT,
            count,
            Some((&self.credential_id, &self.cose)),
        );
        (client, attestation_object("none", vec![], &auth))
    }

    /// An assertion: (clientDataJSON, authenticatorData, DER signature).
    pub fn get(
        &self,
        rp_id: &str,
        origin: &str,
        challenge: &str,
        count: u32,
    ) -> (Vec<u8>, Vec<u8>, Vec<u8>) {
        let client = client_data("webauthn.get", challenge, origin);
        let auth = auth_data(rp_id, UP_UV, count, None);
        let signature = self.sign(&auth, &client);
        (client, auth, signature)
    }

    /// The DER signature over what an authenticator signs: the data, then the client data's hash.
    pub fn sign(&self, auth: &[u8], client: &[u8]) -> Vec<u8> {
        let mut signed = auth.to_vec();
        signed.extend_from_slice(&Sha256::digest(client));
        let signature: Signature = self.key.sign(&signed);
        signature.to_der().as_bytes().to_vec()
    }
}

/// ES256 with p256; every other key is refused (these tests make ES256 passkeys only).
pub struct P256Verifier;

impl SignatureVerifier for P256Verifier {
    async fn verify(&self, key: &CredentialKey, signed: &[u8], signature: &[u8]) -> bool {
        let CredentialKey::Es256 { x, y } = key else {
            return false;
        };
        let mut point = vec![4u8];
        point.extend_from_slice(x);
        point.extend_from_slice(y);
        let (Ok(key), Ok(signature)) = (
            VerifyingKey::from_sec1_bytes(&point),
            Signature::from_slice(signature),
        ) else {
            return false;
        };
        key.verify(signed, &signature).is_ok()
    }
}
