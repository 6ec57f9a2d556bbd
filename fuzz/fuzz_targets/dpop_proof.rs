//! DPoP proofs as clients send them, through the parse and the claims' check: never a panic,
//! and nothing is accepted whose header is not `dpop+jwt`, ES256 and a public P-256 key, or
//! whose claims do not match the request.
#![no_main]

use auth_core::domain::dpop::{parse, Expected, PROOF_WINDOW_SECS};
use libfuzzer_sys::fuzz_target;

const NOW: i64 = 1_900_000_000;

fuzz_target!(|bytes: &[u8]| {
    let Ok(text) = std::str::from_utf8(bytes) else {
        return;
    };
    let Ok(proof) = parse(text) else {
        return;
    };
    // Whatever parsed carries a key whose thumbprint is a SHA-256 in base64url.
    assert_eq!(proof.jkt().len(), 43);
    let expected = Expected {
        method: "POST",
        url: "https://auth.example.com/api/v1/auth/refresh",
        now: NOW,
        access_token: Some("a.b.c"),
        nonce: None,
    };
    if proof.check(&expected).is_ok() {
        let c = &proof.claims;
        assert_eq!(c.htm, "POST");
        assert!((c.iat - NOW).abs() <= PROOF_WINDOW_SECS);
        assert!(c.ath.is_some());
    }
});
