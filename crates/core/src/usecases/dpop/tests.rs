//! The whole of a route's proof check, with proofs made by p256 as a client makes them: the
//! nonce dance, the token's key, and the `jti` taken once.

use super::*;
use crate::domain::dpop::access_token_hash;
use crate::domain::dpop::tests::{header, key, sign_with, P256};
use crate::testing::{FixedClock, InMemoryOnce};
use futures::executor::block_on;
use serde_json::{json, Value};

const NOW: i64 = 1_900_000_100;
const URL: &str = "https://auth.example.com/api/v1/users/profile";
const SECRET: &[u8] = b"the service's hmac secret";

type Once<'c> = InMemoryOnce<'c, FixedClock>;

fn claims(jti: &str) -> Value {
    json!({"jti": jti, "htm": "GET", "htu": URL, "iat": NOW,
           "nonce": nonce::current(SECRET, NOW)})
}

fn proof_by(seed: u8, claims: &Value) -> String {
    sign_with(&key(seed), &header(&key(seed)), claims)
}

fn check(once: Option<&Once<'_>>, request: &ProofRequest<'_>) -> Result<String, DpopError> {
    let deps = ProofDeps {
        verifier: &P256,
        once,
        nonce_secret: SECRET,
        now: NOW,
    };
    block_on(accept(&deps, request))
}

fn request(proof: &str) -> ProofRequest<'_> {
    ProofRequest {
        proof,
        method: "GET",
        url: URL,
        access_token: None,
    }
}

#[test]
fn a_proof_without_the_servers_nonce_is_told_to_use_it() {
    let mut c = claims("a");
    c.as_object_mut().unwrap().remove("nonce");
    let refused = check(None, &request(&proof_by(1, &c))).unwrap_err();
    assert_eq!(refused, DpopError::Proof(ProofError::Nonce));
    assert_eq!(refused.rfc_error(), Some("use_dpop_nonce"));
    assert_eq!(refused.problem().body.code, ErrorCode::UseDpopNonce);
    c["nonce"] = json!("a-nonce-the-server-never-made");
    let stale = check(None, &request(&proof_by(1, &c))).unwrap_err();
    assert_eq!(stale, DpopError::Proof(ProofError::Nonce));
    // The nonce handed out one window ago still counts.
    c["nonce"] = json!(nonce::current(SECRET, NOW - nonce::WINDOW_SECS));
    assert!(check(None, &request(&proof_by(1, &c))).is_ok());
}

#[test]
fn a_proof_is_taken_once_and_a_replay_is_refused() {
    let clock = FixedClock::at(NOW);
    let once = InMemoryOnce::new(&clock);
    let proof = proof_by(1, &claims("once"));
    let jkt = check(Some(&once), &request(&proof)).unwrap();
    let replayed = check(Some(&once), &request(&proof)).unwrap_err();
    assert_eq!(replayed, DpopError::Replayed);
    assert_eq!(replayed.problem().body.code, ErrorCode::InvalidDpopProof);
    // The same jti from another key is that key's own.
    let other = proof_by(2, &claims("once"));
    assert_ne!(check(Some(&once), &request(&other)).unwrap(), jkt);
}

#[test]
fn a_proof_that_fails_a_check_spends_no_jti() {
    let clock = FixedClock::at(NOW);
    let once = InMemoryOnce::new(&clock);
    let mut wrong = claims("kept");
    wrong["htm"] = json!("POST");
    assert!(check(Some(&once), &request(&proof_by(1, &wrong))).is_err());
    assert!(check(Some(&once), &request(&proof_by(1, &claims("kept")))).is_ok());
}

#[test]
fn a_bound_tokens_proof_must_be_by_its_key_and_carry_its_hash() {
    let token = "header.payload.signature";
    let mut c = claims("bound");
    c["ath"] = json!(access_token_hash(token));
    let owner = check(None, &request(&proof_by(1, &c))).unwrap();
    let with_token = |seed, jkt: &str| {
        let proof = proof_by(seed, &c);
        check(
            None,
            &ProofRequest {
                access_token: Some((token, jkt)),
                ..request(&proof)
            },
        )
    };
    assert_eq!(with_token(1, &owner), Ok(owner.clone()));
    assert_eq!(
        with_token(2, &owner),
        Err(DpopError::OtherKey),
        "a thief's own key"
    );
    // A proof made for another token is refused.
    let mut other = c.clone();
    other["ath"] = json!(access_token_hash("another.token.here"));
    let proof = proof_by(1, &other);
    let refused = check(
        None,
        &ProofRequest {
            access_token: Some((token, &owner)),
            ..request(&proof)
        },
    );
    assert_eq!(refused, Err(DpopError::Proof(ProofError::AccessTokenHash)));
}

#[test]
fn a_store_that_cannot_be_asked_fails_the_request_closed() {
    let clock = FixedClock::at(NOW);
    let once = InMemoryOnce::new(&clock);
    once.go_down();
    let refused = check(Some(&once), &request(&proof_by(1, &claims("down")))).unwrap_err();
    assert!(matches!(refused, DpopError::Backend(_)));
    assert_eq!(refused.rfc_error(), None);
    assert_eq!(refused.problem().body.code, ErrorCode::ServiceUnavailable);
}
