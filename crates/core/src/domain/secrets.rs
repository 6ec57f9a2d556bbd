//! Values made from secure randomness: codes, session ids, user ids, refresh tokens.
//!
//! Everything here draws from a [`SecureRandom`] port; nothing reads a generator itself.

use crate::domain::account::UserId;
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
    Ok(hyphenated(&b))
}

/// The random half of a refresh token: 256 bits, drawn before the account is known.
pub struct RefreshSecret(pub [u8; 32]);

impl RefreshSecret {
    pub fn generate(rng: &impl SecureRandom) -> Result<Self, RandomUnavailable> {
        let mut secret = [0u8; 32];
        rng.fill(&mut secret)?;
        Ok(Self(secret))
    }
}

/// A refresh token: the user's id (16 bytes) and a [`RefreshSecret`], URL-safe base64 (64
/// characters), and the SHA-256 of that text, which is all the server keeps.
///
/// The id is there for routing, not for trust: with the tables distributed by user id (Citus),
/// a refresh or logout names the shard its token lives on, so the lookup is one shard's primary
/// key. Tampering with the id changes the hash, which then matches nothing.
pub struct RefreshToken {
    pub token: String,
    pub hash: [u8; 32],
}

/// A presented refresh token, split into what the lookup needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PresentedToken {
    /// The user id it names.
    pub user_id: UserId,
    pub hash: [u8; 32],
}

const REFRESH_TOKEN_LEN: usize = 64;

impl RefreshToken {
    /// The token of `user_id` with this secret.
    pub fn for_user(user_id: &UserId, secret: &RefreshSecret) -> Self {
        let mut raw = [0u8; 48];
        raw[..16].copy_from_slice(&uuid_bytes(user_id.as_str()).expect("a UserId is a UUID"));
        raw[16..].copy_from_slice(&secret.0);
        let token = URL_SAFE_NO_PAD.encode(raw);
        let hash = Self::hash_of(&token);
        Self { token, hash }
    }

    /// The token bound to a DPoP key (RFC 9449 §5), when `jkt` names one: the server keeps the
    /// hash of the token *and* the key's thumbprint, so the token is worth nothing without a
    /// proof by that key. Presented without it (or with another key) its hash matches no row:
    /// refused as an unknown token, with nothing rotated, revoked or ended. Unbound: unchanged.
    pub fn bound_to(self, jkt: Option<&str>) -> Self {
        Self {
            hash: bound_hash(self.hash, jkt),
            ..self
        }
    }

    /// Splits a token as this service makes them; anything else is refused without a database
    /// round trip. A region tag in front (`crate::domain::regions::tagged`) has routed the request
    /// already and is not part of the token.
    pub fn parse(token: &str) -> Option<PresentedToken> {
        let (_, token) = crate::domain::regions::split_tag(token);
        if token.len() != REFRESH_TOKEN_LEN {
            return None;
        }
        let raw = URL_SAFE_NO_PAD.decode(token).ok()?;
        let id: [u8; 16] = raw.get(..16)?.try_into().ok()?;
        Some(PresentedToken {
            user_id: UserId::parse(&hyphenated(&id)).ok()?,
            hash: Self::hash_of(token),
        })
    }

    /// What the server stores and looks a presented token up by.
    pub fn hash_of(token: &str) -> [u8; 32] {
        Sha256::digest(token.as_bytes()).into()
    }
}

/// A refresh token of the Go service this one replaces: 32 characters of `[A-Za-z0-9]`. Its
/// SHA-256, the key it was imported under (`LegacyImport`), or `None` for anything else, which
/// is then refused without a database round trip.
pub fn legacy_token_hash(token: &str) -> Option<[u8; 32]> {
    let legacy =
        token.len() == LEGACY_TOKEN_LEN && token.bytes().all(|b| b.is_ascii_alphanumeric());
    legacy.then(|| RefreshToken::hash_of(token))
}

const LEGACY_TOKEN_LEN: usize = 32;

/// Whether a presented secret equals the expected one, in time that does not depend on where
/// they differ (`subtle`). The one comparison of secrets in the project: CSRF tokens, the
/// metrics token. Lengths are not secret.
pub fn same_secret(presented: &[u8], expected: &[u8]) -> bool {
    use subtle::ConstantTimeEq;
    presented.ct_eq(expected).into()
}

impl PresentedToken {
    /// The presented token as the server keeps it when the request proves `jkt`'s key
    /// ([`RefreshToken::bound_to`]).
    pub fn bound_to(self, jkt: Option<&str>) -> Self {
        Self {
            hash: bound_hash(self.hash, jkt),
            ..self
        }
    }
}

fn bound_hash(hash: [u8; 32], jkt: Option<&str>) -> [u8; 32] {
    match jkt {
        None => hash,
        Some(jkt) => {
            let mut bound = Sha256::new();
            bound.update(hash);
            bound.update(jkt.as_bytes());
            bound.finalize().into()
        }
    }
}

/// The 16 bytes of a hyphenated UUID (any case); `None` for anything else.
fn uuid_bytes(id: &str) -> Option<[u8; 16]> {
    let b = id.as_bytes();
    if b.len() != 36 || [8, 13, 18, 23].iter().any(|&i| b[i] != b'-') {
        return None;
    }
    let hex: Vec<u8> = b.iter().copied().filter(|&c| c != b'-').collect();
    if hex.len() != 32 {
        return None;
    }
    let mut out = [0u8; 16];
    for (i, pair) in hex.chunks(2).enumerate() {
        let text = std::str::from_utf8(pair).ok()?;
        if !text.bytes().all(|c| c.is_ascii_hexdigit()) {
            return None;
        }
        out[i] = u8::from_str_radix(text, 16).ok()?;
    }
    Some(out)
}

fn hyphenated(b: &[u8; 16]) -> String {
    let hex: String = b.iter().map(|x| format!("{x:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..32]
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{BrokenRandom, SeededRandom};

    #[test]
    fn a_go_refresh_token_is_recognised_by_its_shape_and_hashed_as_the_go_service_did() {
        // The Go service stored hex(SHA-256(token)); this is that digest, as bytes.
        // The digest from Python's hashlib, so the check does not lean on our own hashing.
        let token = "Ab3dEf7hIj1lMn0pQr5tUv9xYz2bCd4f";
        let go_stored = "ba1e7f62a2422efd0c9d40ce7ab996402f0539cd0ec56c7fcf7944ddfa6f9a92";
        let hash = legacy_token_hash(token).expect("a Go token");
        let hex: String = hash.iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(hex, go_stored);
        for not_go in [
            "Ab3dEf7hIj1lMn0pQr5tUv9xYz2bCd4",   // 31 characters
            "Ab3dEf7hIj1lMn0pQr5tUv9xYz2bCd4fg", // 33
            "Ab3dEf7hIj1lMn0pQr5tUv9xYz2bCd-f",  // outside [A-Za-z0-9]
            "Ab3dEf7hIj1lMn0pQr5tUv9xYz2bCd\u{e9}",
        ] {
            assert_eq!(legacy_token_hash(not_go), None, "{not_go:?}");
        }
        // Ours are 64 characters: never mistaken for the Go service's.
        let ours = RefreshToken::for_user(
            &UserId::parse("7f3c2a9e-3b1d-4f6a-8c2e-000000000001").unwrap(),
            &RefreshSecret([9; 32]),
        );
        assert_eq!(legacy_token_hash(&ours.token), None);
    }

    #[test]
    fn digits_have_the_requested_length_and_only_digits() {
        let rng = SeededRandom::new(0x9e37_79b9_7f4a_7c15);
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
        let rng = SeededRandom::new(0x2545_f491_4f6c_dd1d);
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
        assert!(RefreshSecret::generate(&BrokenRandom).is_err());
    }

    #[test]
    fn uuids_are_version_4_and_refresh_tokens_carry_256_bits() {
        let rng = SeededRandom::new(7);
        let id = uuid_v4(&rng).unwrap();
        assert_eq!(id.len(), 36);
        assert_eq!(&id[14..15], "4");
        assert!(matches!(&id[19..20], "8" | "9" | "a" | "b"));
        let secret = RefreshSecret::generate(&rng).unwrap();
        let token = RefreshToken::for_user(&UserId::parse(&id).unwrap(), &secret);
        let raw = URL_SAFE_NO_PAD.decode(&token.token).unwrap();
        assert_eq!((raw.len(), &raw[16..]), (48, &secret.0[..]));
        assert_eq!(token.hash, RefreshToken::hash_of(&token.token));
    }

    #[test]
    fn a_refresh_token_names_its_user_and_parses_back() {
        let rng = SeededRandom::new(11);
        let id = UserId::generate(&rng).unwrap();
        let token = RefreshToken::for_user(&id, &RefreshSecret::generate(&rng).unwrap());
        assert_eq!(
            RefreshToken::parse(&token.token),
            Some(PresentedToken {
                user_id: id.clone(),
                hash: token.hash
            })
        );
        // Upper-case ids are the same id.
        let upper = UserId::parse(&id.as_str().to_uppercase()).unwrap();
        let upper = RefreshToken::for_user(&upper, &RefreshSecret([5; 32]));
        assert_eq!(RefreshToken::parse(&upper.token).unwrap().user_id, id);
    }

    #[test]
    fn malformed_refresh_tokens_are_refused() {
        let id = UserId::parse("7f3c2a9e-3b1d-4f6a-8c2e-1a2b3c4d5e6f").unwrap();
        let good = RefreshToken::for_user(&id, &RefreshSecret([0; 32])).token;
        for bad in [
            String::new(),
            "A".repeat(43),
            "A".repeat(63),
            format!("{good}A"),
            good.replace(&good[..1], "*"),
            format!("{}=", &good[..63]),
            "é".repeat(32),
        ] {
            assert_eq!(RefreshToken::parse(&bad), None, "{bad:?}");
        }
    }

    #[test]
    fn changing_the_named_user_changes_the_hash() {
        let secret = RefreshSecret([9; 32]);
        let id = |s: &str| UserId::parse(s).unwrap();
        let a = RefreshToken::for_user(&id("7f3c2a9e-3b1d-4f6a-8c2e-1a2b3c4d5e6f"), &secret);
        let b = RefreshToken::for_user(&id("7f3c2a9e-3b1d-4f6a-8c2e-1a2b3c4d5e70"), &secret);
        assert_ne!(a.hash, b.hash);
        assert_ne!(
            RefreshToken::parse(&a.token).unwrap().user_id,
            RefreshToken::parse(&b.token).unwrap().user_id
        );
    }

    #[test]
    fn a_bound_token_matches_only_when_presented_with_its_key() {
        let id = UserId::parse("7f3c2a9e-3b1d-4f6a-8c2e-1a2b3c4d5e6f").unwrap();
        let kept = RefreshToken::for_user(&id, &RefreshSecret([3; 32])).bound_to(Some("jkt-a"));
        let presented = || RefreshToken::parse(&kept.token).unwrap();
        assert_eq!(presented().bound_to(Some("jkt-a")).hash, kept.hash);
        assert_ne!(presented().bound_to(Some("jkt-b")).hash, kept.hash);
        assert_ne!(
            presented().bound_to(None).hash,
            kept.hash,
            "without a proof"
        );
        let unbound = RefreshToken::for_user(&id, &RefreshSecret([3; 32])).bound_to(None);
        assert_eq!(presented().bound_to(None).hash, unbound.hash);
    }

    #[test]
    fn secrets_compare_equal_only_when_identical() {
        assert!(same_secret(b"csrf-token-1", b"csrf-token-1"));
        assert!(!same_secret(b"csrf-token-1", b"csrf-token-2"));
        assert!(!same_secret(b"csrf-token", b"csrf-token-1"));
        assert!(!same_secret(b"", b"x"));
    }
}
