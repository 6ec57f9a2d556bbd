//! What a passkey's client sends at registration and sign-in, through every parser that reads
//! it: the attestation object, the authenticator data, the client data, the DER signature, a
//! stored COSE key, a challenge and a user handle. Never a panic, and what parses keeps the
//! invariants the checks rely on.
#![no_main]

use auth_core::domain::webauthn::attestation::Attestation;
use auth_core::domain::webauthn::authenticator_data::{AuthenticatorData, MAX_CREDENTIAL_ID_BYTES};
use auth_core::domain::passkey::challenge::{self, Purpose};
use auth_core::domain::passkey::user_of_handle;
use auth_core::domain::webauthn::cose::CredentialKey;
use auth_core::domain::webauthn::{der_signature_to_raw, ClientData};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|bytes: &[u8]| {
    if let Ok(attestation) = Attestation::parse(bytes) {
        // A registration always carries the new credential.
        let credential = attestation.auth_data.credential.expect("a credential");
        assert!(!credential.id.is_empty() && credential.id.len() <= MAX_CREDENTIAL_ID_BYTES);
        // The bytes the account keeps give back the very key that was checked.
        assert_eq!(CredentialKey::from_cose_bytes(&credential.cose_key), Ok(credential.key));
    }
    let _ = CredentialKey::from_cose_bytes(bytes);
    let _ = user_of_handle(bytes);
    if let Ok(text) = std::str::from_utf8(bytes) {
        // No challenge is accepted without the secret's MAC.
        assert!(challenge::check(b"a fuzzing secret of some length", Purpose::SignIn, text, 0).is_err());
    }
    if let Ok(data) = AuthenticatorData::parse(bytes) {
        assert!(bytes.len() >= 37);
        assert_eq!(data.rp_id_hash, bytes[..32]);
    }
    let _ = ClientData::parse(bytes);
    if let Ok(raw) = der_signature_to_raw(bytes) {
        // Nothing but a short DER sequence of two integers converts.
        assert!(bytes.len() <= 72 && raw.len() == 64);
    }
});
