//! Bearer tokens as clients present them, through the whole verification with a verifier that
//! accepts every signature (so the fuzzer reaches the claims): never a panic, and nothing with
//! the wrong issuer, audience or algorithm is ever accepted.
#![no_main]

use auth_core::config::settings::Settings;
use auth_core::domain::token::{verify, TokenVerifier};
use libfuzzer_sys::fuzz_target;
use std::future::Future;
use std::pin::pin;
use std::task::{Context, Poll, Waker};

struct AcceptsAnySignature;

impl TokenVerifier for AcceptsAnySignature {
    fn knows(&self, kid: &str) -> bool {
        kid == "k1"
    }
    async fn verify(&self, _: &str, _: &[u8], _: &[u8]) -> bool {
        true
    }
}

/// The verification future never waits on anything here; one poll finishes it.
fn run<F: Future>(future: F) -> F::Output {
    let mut cx = Context::from_waker(Waker::noop());
    match pin!(future).poll(&mut cx) {
        Poll::Ready(out) => out,
        Poll::Pending => unreachable!("nothing to wait for"),
    }
}

fuzz_target!(|input: &str| {
    let settings = Settings::from_lookup(|_| None).unwrap();
    let now = 1_800_000_000;
    if let Ok(claims) = run(verify(&AcceptsAnySignature, &settings, input, now)) {
        assert_eq!(claims.iss, settings.issuer);
        assert_eq!(claims.aud, settings.audience);
        assert!(now < claims.exp + auth_core::domain::token::LEEWAY_SECS);
    }
});
