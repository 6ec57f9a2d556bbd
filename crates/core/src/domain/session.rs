//! Session ids. Send-otp's (made by it or given by the client) binds a code to the client that
//! asked for it; login mints a new one for the session it starts, which that session's access
//! and refresh tokens name.

use crate::domain::secrets::random_token;
use crate::ports::{RandomUnavailable, SecureRandom};

/// 16 random bytes, URL-safe base64: 128 bits, 22 characters.
const GENERATED_BYTES: usize = 16;
const MIN_LEN: usize = 16;
const MAX_LEN: usize = 128;

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct SessionId(String);

/// A client-supplied session id that is too short, too long or has characters outside the
/// URL-safe base64 alphabet.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("session_id must be {MIN_LEN} to {MAX_LEN} characters of A-Z, a-z, 0-9, - and _")]
pub struct MalformedSessionId;

impl SessionId {
    pub fn generate(rng: &impl SecureRandom) -> Result<Self, RandomUnavailable> {
        Ok(Self(random_token(rng, GENERATED_BYTES)?))
    }

    /// Accepts a client's session id. Short ids are refused: a guessable session id would let
    /// someone else's code pair with it.
    pub fn parse(input: &str) -> Result<Self, MalformedSessionId> {
        let ok_char = |b: u8| b.is_ascii_alphanumeric() || b == b'-' || b == b'_';
        if (MIN_LEN..=MAX_LEN).contains(&input.len()) && input.bytes().all(ok_char) {
            Ok(Self(input.to_owned()))
        } else {
            Err(MalformedSessionId)
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::SeededRandom;

    #[test]
    fn generated_ids_carry_128_bits_and_parse_back() {
        let id = SessionId::generate(&SeededRandom::new(3)).unwrap();
        assert_eq!(id.as_str().len(), 22);
        assert_eq!(SessionId::parse(id.as_str()), Ok(id));
    }

    #[test]
    fn malformed_ids_are_refused() {
        for bad in [
            "short",
            "has space in it here",
            "ünïcödé-ünïcödé-ü",
            "a/b/c/d/e/f/g/h/i/j",
            &"x".repeat(129),
        ] {
            assert_eq!(SessionId::parse(bad), Err(MalformedSessionId), "{bad:?}");
        }
    }
}
