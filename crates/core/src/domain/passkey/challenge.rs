//! Passkey challenges that need no store until they are used. A challenge is its expiry, 16
//! random bytes and an HMAC over both (under a label of its own, keyed by the service's HMAC
//! secret), bound to what it was issued for: a sign-in, or one user's registration from one
//! session. So issuing one writes nothing (a flood of `login/options` fills no Redis), and any
//! isolate can check one. It is taken once when it is used: its random part is claimed in the
//! once-store (Redis `SET NX EX`, `ports::OnceStore`) for as long as it could still be
//! presented, only after the response it came with has been verified (so garbage claims
//! nothing).

use crate::ports::UnixSeconds;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use hmac::{Hmac, Mac};
use sha2::Sha256;

/// How long a challenge may be answered: enough for a user to find their phone and touch it.
pub const TTL_SECS: i64 = 300;

/// What a challenge was issued for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose<'a> {
    /// A discoverable sign-in: anyone may ask, no one is named.
    SignIn,
    /// A registration by this user from this session.
    Register { user: &'a str, session: &'a str },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum ChallengeError {
    #[error("the challenge was not issued here, or for this")]
    Forged,
    #[error("the challenge has expired")]
    Expired,
}

/// A checked challenge: the key to take it once by, and how long that key must be kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checked {
    pub replay_key: String,
    pub ttl_secs: u32,
}

const EXPIRY: usize = 8;
const RANDOM: usize = 16;
const TAG: usize = 16;

/// A new challenge, as base64url (what `challenge` is in the options and in the client data).
pub fn issue(
    secret: &[u8],
    purpose: Purpose<'_>,
    random: [u8; RANDOM],
    now: UnixSeconds,
) -> String {
    let expiry = (now + TTL_SECS).to_be_bytes();
    let tag = tag(secret, purpose, &expiry, &random);
    let mut bytes = Vec::with_capacity(EXPIRY + RANDOM + TAG);
    bytes.extend_from_slice(&expiry);
    bytes.extend_from_slice(&random);
    bytes.extend_from_slice(&tag);
    URL_SAFE_NO_PAD.encode(bytes)
}

/// Whether `challenge` was issued here for `purpose` and may still be answered.
pub fn check(
    secret: &[u8],
    purpose: Purpose<'_>,
    challenge: &str,
    now: UnixSeconds,
) -> Result<Checked, ChallengeError> {
    let bytes = URL_SAFE_NO_PAD
        .decode(challenge)
        .map_err(|_| ChallengeError::Forged)?;
    if bytes.len() != EXPIRY + RANDOM + TAG {
        return Err(ChallengeError::Forged);
    }
    let (expiry, rest) = bytes.split_at(EXPIRY);
    let (random, presented) = rest.split_at(RANDOM);
    let expected = tag(secret, purpose, expiry, random);
    if !crate::domain::secrets::same_secret(presented, &expected) {
        return Err(ChallengeError::Forged);
    }
    let expires = i64::from_be_bytes(expiry.try_into().map_err(|_| ChallengeError::Forged)?);
    if now >= expires {
        return Err(ChallengeError::Expired);
    }
    Ok(Checked {
        replay_key: format!("passkey-challenge:{}", URL_SAFE_NO_PAD.encode(random)),
        ttl_secs: u32::try_from(expires - now).unwrap_or(TTL_SECS as u32),
    })
}

fn tag(secret: &[u8], purpose: Purpose<'_>, expiry: &[u8], random: &[u8]) -> [u8; TAG] {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret).expect("HMAC takes a key of any length");
    // A label of its own: no other MAC of this secret (a code's, a DPoP nonce) passes for one.
    mac.update(b"passkey-challenge\0");
    match purpose {
        Purpose::SignIn => mac.update(b"sign-in\0"),
        Purpose::Register { user, session } => {
            mac.update(b"register\0");
            mac.update(user.as_bytes());
            mac.update(b"\0");
            mac.update(session.as_bytes());
            mac.update(b"\0");
        }
    }
    mac.update(expiry);
    mac.update(random);
    let mut out = [0u8; TAG];
    out.copy_from_slice(&mac.finalize().into_bytes()[..TAG]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &[u8] = b"a test secret of enough length";
    const NOW: UnixSeconds = 1_900_000_000;
    const MINE: Purpose<'static> = Purpose::Register {
        user: "user-a",
        session: "session-1",
    };

    #[test]
    fn a_challenge_is_good_for_its_purpose_until_it_expires() {
        let challenge = issue(SECRET, MINE, [7; 16], NOW);
        let checked = check(SECRET, MINE, &challenge, NOW + TTL_SECS - 1).unwrap();
        assert_eq!(checked.ttl_secs, 1, "kept as long as it could come back");
        assert_eq!(check(SECRET, MINE, &challenge, NOW).unwrap().ttl_secs, 300);
        assert_eq!(
            check(SECRET, MINE, &challenge, NOW + TTL_SECS),
            Err(ChallengeError::Expired)
        );
        let other = issue(SECRET, MINE, [8; 16], NOW);
        assert_ne!(
            check(SECRET, MINE, &other, NOW).unwrap().replay_key,
            checked.replay_key,
            "each challenge is taken by a key of its own"
        );
    }

    #[test]
    fn a_challenge_for_one_purpose_user_or_session_is_forged_for_any_other() {
        let challenge = issue(SECRET, MINE, [7; 16], NOW);
        let others = [
            Purpose::SignIn,
            Purpose::Register {
                user: "user-b",
                session: "session-1",
            },
            Purpose::Register {
                user: "user-a",
                session: "session-2",
            },
            // The separator keeps "user-a" + "\0session-1" from being another split.
            Purpose::Register {
                user: "user-a\0session-1",
                session: "",
            },
        ];
        for purpose in others {
            assert_eq!(
                check(SECRET, purpose, &challenge, NOW),
                Err(ChallengeError::Forged)
            );
        }
        assert_eq!(
            check(b"another secret entirely", MINE, &challenge, NOW),
            Err(ChallengeError::Forged)
        );
        let sign_in = issue(SECRET, Purpose::SignIn, [7; 16], NOW);
        assert!(check(SECRET, Purpose::SignIn, &sign_in, NOW).is_ok());
        assert_eq!(
            check(SECRET, MINE, &sign_in, NOW),
            Err(ChallengeError::Forged)
        );
    }

    #[test]
    fn a_changed_expiry_or_garbage_is_forged() {
        let challenge = issue(SECRET, Purpose::SignIn, [7; 16], NOW);
        let mut bytes = URL_SAFE_NO_PAD.decode(&challenge).unwrap();
        bytes[7] ^= 1; // a later expiry
        let stretched = URL_SAFE_NO_PAD.encode(&bytes);
        for bad in [
            "",
            "not base64!",
            &challenge[..challenge.len() - 2],
            &stretched,
        ] {
            assert_eq!(
                check(SECRET, Purpose::SignIn, bad, NOW),
                Err(ChallengeError::Forged),
                "{bad:?}"
            );
        }
    }
}
