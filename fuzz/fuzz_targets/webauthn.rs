//! What a passkey's client sends at registration and sign-in, through every parser that reads
//! it: the attestation object, the authenticator data, the client data and the DER signature.
//! Never a panic, and what parses keeps the invariants the checks rely on.
#![no_main]

use auth_core::domain::webauthn::attestation::Attestation;
use auth_core::domain::webauthn::authenticator_data::{AuthenticatorData, MAX_CREDENTIAL_ID_BYTES};
use auth_core::domain::webauthn::{der_signature_to_raw, ClientData};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|bytes: &[u8]| {
    if let Ok(attestation) = Attestation::parse(bytes) {
        // A registration always carries the new credential.
        let credential = attestation.auth_data.credential.expect("a credential");
        assert!(!credential.id.is_empty() && credential.id.len() <= MAX_CREDENTIAL_ID_BYTES);
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
