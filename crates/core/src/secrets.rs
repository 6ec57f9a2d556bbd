//! Values made from secure randomness: codes, session ids, user ids, refresh tokens.
//!
//! Everything here draws from a [`SecureRandom`] port; nothing reads a generator itself.

use crate::ports::{RandomUnavailable, SecureRandom};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use sha2::{Digest, Sha256};

/// `len` decimal digits, each uniform over 0-9. Bytes of 250 and above are rejected and drawn
/// again, since 256 is not a multiple of 10 and `byte % 10` alone would favour 0-5.
pub fn uniform_digits(rng: &impl SecureRandom, len: usize) -> Result<String, RandomUnavailable> {
    let mut digits = String::with_capacity(len);
    let mut pool = [0u8; 32];
    while digits.len() < len {
        rng.fill(&mut pool)?;
        for byte in pool {
            if byte < 250 && digits.len() < len {
                digits.push(char::from(b'0' + byte % 10));
            }
        }
    }
    Ok(digits)
}

/// URL-safe base64 (no padding) of `bytes` random bytes.
pub fn random_token(rng: &impl SecureRandom, bytes: usize) -> Result<String, RandomUnavailable> {
    let mut buf = vec![0u8; bytes];
    rng.fill(&mut buf)?;
    Ok(URL_SAFE_NO_PAD.encode(buf))
}

/// A random (version 4) UUID in its hyphenated lower-case form.
pub fn uuid_v4(rng: &impl SecureRandom) -> Result<String, RandomUnavailable> {
    let mut b = [0u8; 16];
    rng.fill(&mut b)?;
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let hex: String = b.iter().map(|x| format!("{x:02x}")).collect();
    Ok(format!(
        "{}-{}-{}-{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..32]
    ))
}

/// A refresh token: 256 random bits for the client, and the SHA-256 the server keeps instead.
pub struct RefreshToken {
    pub token: String,
    pub hash: [u8; 32],
}

impl RefreshToken {
    pub fn generate(rng: &impl SecureRandom) -> Result<Self, RandomUnavailable> {
        let token = random_token(rng, 32)?;
        let hash = Self::hash_of(&token);
        Ok(Self { token, hash })
    }

    /// What the server stores and looks a presented token up by.
    pub fn hash_of(token: &str) -> [u8; 32] {
        Sha256::digest(token.as_bytes()).into()
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use std::cell::Cell;

    /// A deterministic generator for tests: a xorshift stream from a seed. Not secure; only
    /// here so statistics and formats can be checked reproducibly.
    pub struct SeededRandom(pub Cell<u64>);

    impl SecureRandom for SeededRandom {
        fn fill(&self, dest: &mut [u8]) -> Result<(), RandomUnavailable> {
            for byte in dest {
                let mut x = self.0.get();
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                self.0.set(x);
                *byte = (x >> 24) as u8;
            }
            Ok(())
        }
    }

    /// A generator that always fails.
    pub struct BrokenRandom;

    impl SecureRandom for BrokenRandom {
        fn fill(&self, _: &mut [u8]) -> Result<(), RandomUnavailable> {
            Err(RandomUnavailable)
        }
    }

    #[test]
    fn digits_have_the_requested_length_and_only_digits() {
        let rng = SeededRandom(Cell::new(0x9e37_79b9_7f4a_7c15));
        for len in 4..=10 {
            let code = uniform_digits(&rng, len).unwrap();
            assert_eq!(code.len(), len);
            assert!(code.bytes().all(|b| b.is_ascii_digit()));
        }
    }

    #[test]
    fn digits_are_uniform_by_a_chi_squared_test() {
        // 100,000 digits in 10 bins: chi-squared with 9 degrees of freedom stays under 27.88
        // with probability 0.999 when the digits are uniform. `byte % 10` without rejection
        // (0-5 at 26/256 each, 6-9 at 25/256) scores about 37 and fails.
        let rng = SeededRandom(Cell::new(0x2545_f491_4f6c_dd1d));
        let mut counts = [0u64; 10];
        for _ in 0..10_000 {
            for b in uniform_digits(&rng, 10).unwrap().bytes() {
                counts[(b - b'0') as usize] += 1;
            }
        }
        let expected = 10_000.0;
        let chi2: f64 = counts
            .iter()
            .map(|&c| (c as f64 - expected).powi(2) / expected)
            .sum();
        assert!(chi2 < 27.88, "chi-squared {chi2:.1} for counts {counts:?}");
    }

    #[test]
    fn a_failing_generator_is_an_error_not_a_weak_code() {
        assert_eq!(uniform_digits(&BrokenRandom, 6), Err(RandomUnavailable));
        assert!(RefreshToken::generate(&BrokenRandom).is_err());
    }

    #[test]
    fn uuids_are_version_4_and_refresh_tokens_carry_256_bits() {
        let rng = SeededRandom(Cell::new(7));
        let id = uuid_v4(&rng).unwrap();
        assert_eq!(id.len(), 36);
        assert_eq!(&id[14..15], "4");
        assert!(matches!(&id[19..20], "8" | "9" | "a" | "b"));
        let token = RefreshToken::generate(&rng).unwrap();
        assert_eq!(URL_SAFE_NO_PAD.decode(&token.token).unwrap().len(), 32);
        assert_eq!(token.hash, RefreshToken::hash_of(&token.token));
    }
}
