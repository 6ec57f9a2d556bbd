//! Server nonces for DPoP proofs (RFC 9449 §8 and §9): a proof must carry a nonce the server
//! handed out lately, so a proof made ahead of time (by malware that held the key for a
//! moment) is worth nothing minutes later. The nonce is stateless: an HMAC of the current
//! five-minute window under a key derived from the service's HMAC secret, so every isolate
//! hands out and accepts the same nonces with no store. A nonce is accepted in its window and
//! the next one, so it lives five to ten minutes; every answer to a request with a proof
//! carries the current one (`DPoP-Nonce`), and a client that keeps the latest rarely meets
//! `use_dpop_nonce`.

use crate::ports::UnixSeconds;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use hmac::{Hmac, Mac};
use sha2::Sha256;

/// How long one nonce window is.
pub const WINDOW_SECS: i64 = 300;

/// The nonce of the window `now` falls in.
pub fn current(secret: &[u8], now: UnixSeconds) -> String {
    of_window(secret, now.div_euclid(WINDOW_SECS))
}

/// Whether `nonce` is the current window's or the one before.
pub fn accepts(secret: &[u8], nonce: &str, now: UnixSeconds) -> bool {
    let window = now.div_euclid(WINDOW_SECS);
    [window, window - 1].into_iter().any(|w| {
        crate::domain::secrets::same_secret(nonce.as_bytes(), of_window(secret, w).as_bytes())
    })
}

fn of_window(secret: &[u8], window: i64) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret).expect("HMAC takes a key of any length");
    // A label of its own: no other MAC of this secret (the codes') can be passed off as a nonce.
    mac.update(b"dpop-nonce\0");
    mac.update(&window.to_be_bytes());
    URL_SAFE_NO_PAD.encode(&mac.finalize().into_bytes()[..16])
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &[u8] = b"a test secret of enough length";
    const NOW: UnixSeconds = 1_900_000_200;

    #[test]
    fn a_nonce_lives_through_its_window_and_the_next_then_dies() {
        let nonce = current(SECRET, NOW);
        assert!(accepts(SECRET, &nonce, NOW));
        assert!(accepts(SECRET, &nonce, NOW + WINDOW_SECS));
        assert!(!accepts(SECRET, &nonce, NOW + 2 * WINDOW_SECS));
        assert!(
            !accepts(SECRET, &nonce, NOW - WINDOW_SECS),
            "not before it was made"
        );
    }

    #[test]
    fn a_nonce_is_the_secrets_own_and_not_guessable_from_another() {
        let nonce = current(SECRET, NOW);
        assert!(!accepts(b"another secret entirely", &nonce, NOW));
        assert!(!accepts(SECRET, "", NOW));
        assert!(!accepts(SECRET, &nonce[1..], NOW));
        assert_ne!(current(SECRET, NOW), current(SECRET, NOW + WINDOW_SECS));
        assert_eq!(nonce.len(), 22, "16 bytes, base64url");
    }
}
