//! Registrations and assertions made here as an authenticator makes them (coset for the COSE
//! key, ciborium for the CBOR, p256 for the signatures), and each way they are refused.

use super::attestation::Attestation;
use super::authenticator_data::AuthenticatorData;
use super::cose::CredentialKey;
use super::soft_authenticator::{attestation_object, auth_data, es256_key};
use super::*;
use coset::cbor::value::Value;
use coset::{iana, CborSerializable, CoseKeyBuilder};
use p256::ecdsa::signature::Signer as _;
use p256::ecdsa::Signature;

const RP_ID: &str = "auth.example.com";
const ORIGIN: &str = "https://auth.example.com";
const APP: &str = "android:apk-key-hash:Sjt8X1QYe8-Pv5XD3G4nSDfNLdy6K8A5aYk6YBhjrrU";

#[test]
fn client_data_holds_only_for_its_ceremony_challenge_and_an_allowed_origin() {
    let json = |kind: &str, challenge: &str, origin: &str| {
        format!(r#"{{"type":"{kind}","challenge":"{challenge}","origin":"{origin}"}}"#)
    };
    let allowed = [ORIGIN, APP];
    let ok = ClientData::parse(json("webauthn.get", "c1", ORIGIN).as_bytes()).unwrap();
    assert_eq!(ok.check(Ceremony::Get, "c1", &allowed), Ok(()));
    let app = ClientData::parse(json("webauthn.get", "c1", APP).as_bytes()).unwrap();
    assert_eq!(
        app.check(Ceremony::Get, "c1", &allowed),
        Ok(()),
        "an Android app"
    );
    assert_eq!(
        ok.check(Ceremony::Create, "c1", &allowed),
        Err(WebauthnError::Ceremony)
    );
    assert_eq!(
        ok.check(Ceremony::Get, "c2", &allowed),
        Err(WebauthnError::Challenge)
    );
    let evil =
        ClientData::parse(json("webauthn.get", "c1", "https://auth.example.com.evil").as_bytes());
    assert_eq!(
        evil.unwrap().check(Ceremony::Get, "c1", &allowed),
        Err(WebauthnError::Origin)
    );
    let framed = r#"{"type":"webauthn.get","challenge":"c1","origin":"https://auth.example.com","crossOrigin":true}"#;
    let framed = ClientData::parse(framed.as_bytes()).unwrap();
    assert_eq!(
        framed.check(Ceremony::Get, "c1", &allowed),
        Err(WebauthnError::Origin)
    );
    for bad in [
        &b"{"[..],
        b"[]",
        br#"{"type":"webauthn.get"}"#,
        &[b' '; 2000],
    ] {
        assert_eq!(ClientData::parse(bad), Err(WebauthnError::ClientData));
    }
}

#[test]
fn a_der_signature_becomes_the_raw_form_webcrypto_verifies() {
    let (key, _) = es256_key(3);
    for message in [
        &b"a"[..],
        b"authenticator data and client data hash",
        &[0xff; 300],
    ] {
        let signature: Signature = key.sign(message);
        let der = signature.to_der();
        let raw: [u8; 64] = signature.to_bytes().into();
        assert_eq!(der_signature_to_raw(der.as_bytes()).unwrap(), raw);
    }
    // Short integers are padded back to 32 bytes.
    let short = [0x30, 0x06, 0x02, 0x01, 0x05, 0x02, 0x01, 0x07];
    let raw = der_signature_to_raw(&short).unwrap();
    assert_eq!(
        (raw[31], raw[63], raw[..31].iter().all(|b| *b == 0)),
        (5, 7, true)
    );
    for bad in [
        &[][..],
        &[0x30, 0x07, 0x02, 0x01, 0x05, 0x02, 0x01, 0x07][..],
        &[0x30, 0x06, 0x02, 0x01, 0x85, 0x02, 0x01, 0x07],
        &[0x30, 0x07, 0x02, 0x02, 0x00, 0x05, 0x02, 0x01, 0x07],
        &[0x30, 0x06, 0x02, 0x01, 0x05, 0x02, 0x01, 0x07, 0x00],
        &[0x31, 0x06, 0x02, 0x01, 0x05, 0x02, 0x01, 0x07],
    ] {
        assert_eq!(
            der_signature_to_raw(bad),
            Err(WebauthnError::Signature),
            "{bad:?}"
        );
    }
}

#[test]
fn a_none_registration_yields_the_credential_and_its_key() {
    let (key, cose) = es256_key(1);
    let auth = auth_data(RP_ID, 0x45, 0, Some((b"credential-1", &cose)));
    let parsed = Attestation::parse(&attestation_object("none", vec![], &auth)).unwrap();
    assert_eq!(parsed.self_signature, None);
    assert_eq!(parsed.raw_auth_data, auth);
    assert_eq!(parsed.auth_data.check(RP_ID), Ok(()));
    let credential = parsed.auth_data.credential.unwrap();
    assert_eq!(credential.id, b"credential-1");
    let point = key.verifying_key().to_encoded_point(false);
    assert_eq!(
        credential.key,
        CredentialKey::Es256 {
            x: (*point.x().unwrap()).into(),
            y: (*point.y().unwrap()).into(),
        }
    );
}

#[test]
fn a_packed_self_attestation_is_accepted_and_a_chain_or_another_alg_is_not() {
    let (_, cose) = es256_key(2);
    let auth = auth_data(RP_ID, 0x45, 0, Some((b"credential-2", &cose)));
    let statement = |alg: i64, extra: bool| {
        let mut s = vec![
            (Value::from("alg"), Value::from(alg)),
            (Value::from("sig"), Value::Bytes(vec![0x30, 0x00])),
        ];
        if extra {
            s.push((
                Value::from("x5c"),
                Value::Array(vec![Value::Bytes(vec![1])]),
            ));
        }
        s
    };
    let packed = Attestation::parse(&attestation_object("packed", statement(-7, false), &auth));
    assert_eq!(packed.unwrap().self_signature, Some(vec![0x30, 0x00]));
    let chained = Attestation::parse(&attestation_object("packed", statement(-7, true), &auth));
    assert_eq!(chained, Err(WebauthnError::AttestationFormat));
    let other_alg =
        Attestation::parse(&attestation_object("packed", statement(-257, false), &auth));
    assert_eq!(other_alg, Err(WebauthnError::Algorithm));
    let tpm = Attestation::parse(&attestation_object("tpm", vec![], &auth));
    assert_eq!(tpm, Err(WebauthnError::AttestationFormat));
}

#[test]
fn the_authenticator_data_is_held_to_the_rp_id_presence_and_verification() {
    let data =
        |rp: &str, flags: u8| AuthenticatorData::parse(&auth_data(rp, flags, 9, None)).unwrap();
    assert_eq!(data(RP_ID, 0x05).check(RP_ID), Ok(()));
    assert_eq!(data(RP_ID, 0x05).sign_count, 9);
    assert_eq!(
        data("evil.example", 0x05).check(RP_ID),
        Err(WebauthnError::RpId)
    );
    assert_eq!(
        data(RP_ID, 0x04).check(RP_ID),
        Err(WebauthnError::UserPresence)
    );
    assert_eq!(
        data(RP_ID, 0x01).check(RP_ID),
        Err(WebauthnError::UserVerification)
    );
    // Truncated, trailing bytes, a credential flagged but missing.
    let good = auth_data(RP_ID, 0x05, 1, None);
    for bad in [
        &good[..36],
        &[good.as_slice(), &[0]].concat(),
        &auth_data(RP_ID, 0x45, 1, None),
    ] {
        assert_eq!(
            AuthenticatorData::parse(bad),
            Err(WebauthnError::AuthenticatorData)
        );
    }
}

#[test]
fn only_the_offered_algorithms_and_public_keys_are_accepted() {
    let value = |bytes: Vec<u8>| ciborium::de::from_reader::<Value, _>(bytes.as_slice()).unwrap();
    let (_, es256) = es256_key(4);
    assert!(matches!(
        CredentialKey::from_cose(value(es256)),
        Ok(CredentialKey::Es256 { .. })
    ));
    let ed = CoseKeyBuilder::new_okp_key()
        .param(-1, Value::from(iana::EllipticCurve::Ed25519 as i64))
        .param(-2, Value::Bytes(vec![9; 32]))
        .algorithm(iana::Algorithm::EdDSA)
        .build();
    assert_eq!(
        CredentialKey::from_cose(value(ed.to_vec().unwrap())),
        Ok(CredentialKey::Ed25519 { x: [9; 32] })
    );
    // A P-256 key under ES384, a key without alg, a private key, a short RSA modulus.
    let p256 = |alg: Option<iana::Algorithm>, private: bool| {
        let mut b =
            CoseKeyBuilder::new_ec2_pub_key(iana::EllipticCurve::P_256, vec![1; 32], vec![2; 32]);
        if let Some(alg) = alg {
            b = b.algorithm(alg);
        }
        if private {
            b = b.param(-4, Value::Bytes(vec![3; 32]));
        }
        b.build().to_vec().unwrap()
    };
    let rsa = CoseKeyBuilder::new()
        .key_type(iana::KeyType::RSA)
        .param(-1, Value::Bytes(vec![1; 128]))
        .param(-2, Value::Bytes(vec![1, 0, 1]))
        .algorithm(iana::Algorithm::RS256)
        .build();
    for bad in [
        p256(Some(iana::Algorithm::ES384), false),
        p256(None, false),
        p256(Some(iana::Algorithm::ES256), true),
        rsa.to_vec().unwrap(),
    ] {
        assert_eq!(
            CredentialKey::from_cose(value(bad)),
            Err(WebauthnError::Algorithm)
        );
    }
}
