//! Proofs made with p256 as a client would make them, and each way RFC 9449 §4.3 refuses one.

use super::*;
use futures::executor::block_on;
use p256::ecdsa::signature::{Signer as _, Verifier as _};
use p256::ecdsa::{Signature, SigningKey, VerifyingKey};
use serde_json::json;

const NOW: i64 = 1_900_000_000;
const URL: &str = "https://auth.example.com/api/v1/auth/refresh";

/// p256's check, as WebCrypto's would be.
pub(crate) struct P256;

impl ProofVerifier for P256 {
    async fn verify(&self, key: &ProofKey, input: &[u8], signature: &[u8]) -> bool {
        let mut sec1 = vec![4u8];
        sec1.extend_from_slice(&key.x);
        sec1.extend_from_slice(&key.y);
        let (Ok(key), Ok(signature)) = (
            VerifyingKey::from_sec1_bytes(&sec1),
            Signature::from_slice(signature),
        ) else {
            return false;
        };
        key.verify(input, &signature).is_ok()
    }
}

pub(crate) fn key(seed: u8) -> SigningKey {
    SigningKey::from_slice(&[seed; 32]).unwrap()
}

fn jwk(key: &SigningKey) -> Value {
    let point = key.verifying_key().to_encoded_point(false);
    json!({"kty": "EC", "crv": "P-256",
           "x": URL_SAFE_NO_PAD.encode(point.x().unwrap()),
           "y": URL_SAFE_NO_PAD.encode(point.y().unwrap())})
}

fn claims() -> Value {
    json!({"jti": "e1j3V_bKic8-LAEB", "htm": "POST", "htu": URL, "iat": NOW})
}

pub(crate) fn sign_with(key: &SigningKey, header: &Value, claims: &Value) -> String {
    let input = format!(
        "{}.{}",
        URL_SAFE_NO_PAD.encode(header.to_string()),
        URL_SAFE_NO_PAD.encode(claims.to_string())
    );
    let signature: Signature = key.sign(input.as_bytes());
    format!("{input}.{}", URL_SAFE_NO_PAD.encode(signature.to_bytes()))
}

pub(crate) fn header(key: &SigningKey) -> Value {
    json!({"typ": "dpop+jwt", "alg": "ES256", "jwk": jwk(key)})
}

fn proof(claims: &Value) -> String {
    sign_with(&key(1), &header(&key(1)), claims)
}

fn expected() -> Expected<'static> {
    Expected {
        method: "POST",
        url: URL,
        now: NOW,
        access_token: None,
        nonce: None,
    }
}

/// Parsed, checked and verified: the whole of what a route runs.
fn accept(proof: &str, expected: &Expected<'_>) -> Result<Proof, ProofError> {
    let parsed = parse(proof)?;
    parsed.check(expected)?;
    block_on(parsed.verify_signature(&P256))?;
    Ok(parsed)
}

#[test]
fn a_clients_proof_is_accepted_and_names_its_keys_thumbprint() {
    let accepted = accept(&proof(&claims()), &expected()).unwrap();
    assert_eq!(accepted.claims.jti, "e1j3V_bKic8-LAEB");
    let again = accept(&proof(&claims()), &expected()).unwrap();
    assert_eq!(accepted.jkt(), again.jkt(), "one key, one thumbprint");
    let other = sign_with(&key(2), &header(&key(2)), &claims());
    assert_ne!(accept(&other, &expected()).unwrap().jkt(), accepted.jkt());
}

/// RFC 9449 §6.1's example key and the `jkt` it gives for it.
#[test]
fn the_thumbprint_is_rfc_7638s() {
    let key = public_key(&json!({
        "kty": "EC", "crv": "P-256",
        "x": "l8tFrhx-34tV3hRICRDY9zCkDlpBhF42UQUfWVAWBFs",
        "y": "9VE4jf_Ok_o64zbTTlcuNJajHmt6v9TDVrU0CdvGRDA"
    }))
    .unwrap();
    assert_eq!(
        key.thumbprint(),
        "0ZcOCORZNYy-DWpqq30jZyJGHTN0d2HglBV3uiguA4I"
    );
}

#[test]
fn a_proof_for_another_method_url_or_time_is_refused() {
    let with = |field: &str, value: Value| {
        let mut c = claims();
        c[field] = value;
        proof(&c)
    };
    let cases = [
        (with("htm", json!("GET")), ProofError::Method),
        (
            with(
                "htu",
                json!("https://auth.example.com/api/v1/users/profile"),
            ),
            ProofError::Url,
        ),
        (
            with("htu", json!("https://evil.example/api/v1/auth/refresh")),
            ProofError::Url,
        ),
        (with("htu", json!("not a url")), ProofError::Url),
        (
            with("iat", json!(NOW - PROOF_WINDOW_SECS - 1)),
            ProofError::Time,
        ),
        (
            with("iat", json!(NOW + PROOF_WINDOW_SECS + 1)),
            ProofError::Time,
        ),
    ];
    for (proof, why) in cases {
        assert_eq!(accept(&proof, &expected()).unwrap_err(), why);
        assert_eq!(why.code(), "invalid_dpop_proof");
    }
    // The query and fragment are not the proof's to name; scheme and host case do not matter.
    for same in [
        "https://AUTH.example.com/api/v1/auth/refresh",
        "HTTPS://auth.example.com/api/v1/auth/refresh?x=1#f",
    ] {
        assert!(
            accept(&with("htu", json!(same)), &expected()).is_ok(),
            "{same}"
        );
    }
}

#[test]
fn with_an_access_token_the_proof_must_carry_its_hash() {
    let token = "eyJhbGciOiJFUzI1NiJ9.e30.c2ln";
    let bound = Expected {
        access_token: Some(token),
        ..expected()
    };
    assert_eq!(
        accept(&proof(&claims()), &bound).unwrap_err(),
        ProofError::AccessTokenHash
    );
    let mut c = claims();
    c["ath"] = json!(access_token_hash("another.token.entirely"));
    assert_eq!(
        accept(&proof(&c), &bound).unwrap_err(),
        ProofError::AccessTokenHash
    );
    c["ath"] = json!(access_token_hash(token));
    assert!(accept(&proof(&c), &bound).is_ok());
}

#[test]
fn a_required_nonce_must_be_the_servers_and_says_use_dpop_nonce() {
    let with_nonce = Expected {
        nonce: Some("server-nonce-1"),
        ..expected()
    };
    let refused = accept(&proof(&claims()), &with_nonce).unwrap_err();
    assert_eq!(
        (refused, refused.code()),
        (ProofError::Nonce, "use_dpop_nonce")
    );
    let mut c = claims();
    c["nonce"] = json!("server-nonce-0");
    assert_eq!(
        accept(&proof(&c), &with_nonce).unwrap_err(),
        ProofError::Nonce
    );
    c["nonce"] = json!("server-nonce-1");
    assert!(accept(&proof(&c), &with_nonce).is_ok());
}

#[test]
fn a_proof_signed_by_another_key_or_tampered_is_refused() {
    // Signed by key 2, carrying key 1: whoever stole key 1's public half cannot prove it.
    let forged = sign_with(&key(2), &header(&key(1)), &claims());
    assert_eq!(
        accept(&forged, &expected()).unwrap_err(),
        ProofError::Signature
    );
    let good = proof(&claims());
    let (input, _) = good.rsplit_once('.').unwrap();
    let mut c = claims();
    c["htm"] = json!("POST");
    c["jti"] = json!("another-jti");
    let swapped = format!(
        "{}.{}.{}",
        input.split('.').next().unwrap(),
        URL_SAFE_NO_PAD.encode(c.to_string()),
        good.rsplit_once('.').unwrap().1
    );
    assert_eq!(
        accept(&swapped, &expected()).unwrap_err(),
        ProofError::Signature
    );
}

#[test]
fn alg_none_hs256_a_wrong_type_or_a_private_or_foreign_key_is_refused() {
    let k = key(1);
    let mut none = header(&k);
    none["alg"] = json!("none");
    let mut hs256 = header(&k);
    hs256["alg"] = json!("HS256");
    let mut jwt = header(&k);
    jwt["typ"] = json!("JWT");
    let mut untyped = header(&k);
    untyped.as_object_mut().unwrap().remove("typ");
    let mut private = header(&k);
    private["jwk"]["d"] = json!(URL_SAFE_NO_PAD.encode([1u8; 32]));
    let mut curve = header(&k);
    curve["jwk"]["crv"] = json!("P-384");
    let mut short = header(&k);
    short["jwk"]["x"] = json!("AAAA");
    let mut keyless = header(&k);
    keyless.as_object_mut().unwrap().remove("jwk");
    let cases = [
        (none, ProofError::Algorithm),
        (hs256, ProofError::Algorithm),
        (jwt, ProofError::Type),
        (untyped, ProofError::Type),
        (private, ProofError::Key),
        (curve, ProofError::Key),
        (short, ProofError::Key),
        (keyless, ProofError::Key),
    ];
    for (head, why) in cases {
        let proof = sign_with(&k, &head, &claims());
        assert_eq!(parse(&proof).unwrap_err(), why, "{head}");
    }
    // `alg: none` with no signature at all.
    let mut none = header(&k);
    none["alg"] = json!("none");
    let unsigned = format!(
        "{}.{}.",
        URL_SAFE_NO_PAD.encode(none.to_string()),
        URL_SAFE_NO_PAD.encode(claims().to_string())
    );
    assert_eq!(parse(&unsigned).unwrap_err(), ProofError::Algorithm);
}

#[test]
fn malformed_proofs_are_refused_unread() {
    let good = proof(&claims());
    let mut missing_jti = claims();
    missing_jti.as_object_mut().unwrap().remove("jti");
    for bad in [
        String::new(),
        "a.b".to_owned(),
        "a.b.c.d".to_owned(),
        "!!.!!.!!".to_owned(),
        format!("{good}.extra"),
        "x".repeat(MAX_PROOF_BYTES + 1),
        proof(&missing_jti),
    ] {
        assert_eq!(parse(&bad).unwrap_err(), ProofError::Malformed, "{bad:.40}");
    }
}
