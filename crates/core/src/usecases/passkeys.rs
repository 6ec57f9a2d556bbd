//! Passkeys on the phone account (issue 30): a user who logged in by code registers a passkey
//! (`register`), then signs in with it and no code (`sign_in`), and lists or removes their
//! passkeys (`manage`). What the client sends is read and held to what the server asked in
//! `domain::webauthn`; the challenges are `domain::passkey::challenge` (no store until one is
//! used, then taken once); the account's side is the `PasskeyStore` port. Every refusal maps
//! to one stable code here ([`PasskeyError::problem`]).

pub mod manage;
pub mod register;
pub mod sign_in;

use super::{backend_body, internal, session_gone, Problem};
use crate::config::passkeys::PasskeyPolicy;
use crate::config::settings::Settings;
use crate::domain::passkey::challenge::ChallengeError;
use crate::domain::token::TokenError;
use crate::domain::webauthn::WebauthnError;
use crate::http::error::{ErrorBody, ErrorCode};
use crate::ports::{BackendError, RandomUnavailable, SecureRandom};

/// How long a browser waits for the user (the options' `timeout`): the challenge's life.
pub const TIMEOUT_MS: u64 = crate::domain::passkey::challenge::TTL_SECS as u64 * 1000;

/// Why a passkey request was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PasskeyError {
    #[error("passkeys are not configured (PASSKEY_RP_ID)")]
    Disabled,
    #[error(transparent)]
    Response(WebauthnError),
    #[error(transparent)]
    Challenge(ChallengeError),
    #[error("the challenge was answered before")]
    ChallengeUsed,
    /// Sign-in: no passkey of that user has this id, or the signature is not its key's.
    #[error("no passkey of this service signed the response")]
    NotRecognized,
    #[error("the sign count did not move forward")]
    Rollback,
    #[error("the user is blocked")]
    Blocked,
    #[error("the caller's session has ended")]
    SessionGone,
    #[error("the caller's session logged in too long ago")]
    NotRecent,
    #[error("the passkey is registered already")]
    AlreadyRegistered,
    #[error("the user has the most passkeys allowed")]
    TooMany,
    #[error("no such passkey")]
    NotFound,
    #[error(transparent)]
    Backend(BackendError),
    #[error(transparent)]
    Token(TokenError),
    #[error("secure random source unavailable")]
    Random,
}

impl From<BackendError> for PasskeyError {
    fn from(error: BackendError) -> Self {
        PasskeyError::Backend(error)
    }
}

impl From<WebauthnError> for PasskeyError {
    fn from(error: WebauthnError) -> Self {
        PasskeyError::Response(error)
    }
}

impl From<RandomUnavailable> for PasskeyError {
    fn from(_: RandomUnavailable) -> Self {
        PasskeyError::Random
    }
}

impl PasskeyError {
    pub fn problem(&self) -> Problem {
        use ErrorCode::*;
        let body = |code, message: &str| ErrorBody::new(code, message);
        Problem::new(match self {
            PasskeyError::Disabled => body(PasskeysDisabled, "passkeys are not offered here"),
            PasskeyError::Response(why) => {
                let code = match why {
                    WebauthnError::Challenge => PasskeyChallengeInvalid,
                    WebauthnError::Origin | WebauthnError::RpId => PasskeyOriginMismatch,
                    WebauthnError::UserPresence | WebauthnError::UserVerification => {
                        PasskeyUserNotVerified
                    }
                    WebauthnError::SignatureMismatch => PasskeyNotRecognized,
                    _ => InvalidPasskeyResponse,
                };
                body(code, "the passkey's response was refused").with_details(why.to_string())
            }
            PasskeyError::Challenge(why) => body(
                PasskeyChallengeInvalid,
                "the challenge is not one this service issued for this, or it expired",
            )
            .with_details(why.to_string()),
            PasskeyError::ChallengeUsed => body(
                PasskeyChallengeInvalid,
                "the challenge was answered before: ask for new options",
            ),
            PasskeyError::NotRecognized => body(
                PasskeyNotRecognized,
                "no passkey of this account signed this; sign in with a code",
            ),
            PasskeyError::Rollback => body(
                PasskeySignCountRollback,
                "this passkey's sign count went back, as a copied authenticator's would",
            ),
            PasskeyError::Blocked => body(
                UserBlocked,
                "this account is blocked; contact the app's support",
            ),
            PasskeyError::SessionGone => session_gone(),
            PasskeyError::NotRecent => body(
                ReauthenticationRequired,
                "log in again to add or remove a passkey: the session logged in too long ago",
            ),
            PasskeyError::AlreadyRegistered => body(
                PasskeyAlreadyRegistered,
                "this passkey is registered already",
            ),
            PasskeyError::TooMany => body(
                PasskeyLimitReached,
                "this account has the most passkeys allowed; remove one first",
            ),
            PasskeyError::NotFound => body(NotFound, "no such passkey"),
            PasskeyError::Backend(error) => backend_body(error),
            PasskeyError::Token(_) | PasskeyError::Random => internal(),
        })
    }
}

/// The passkey settings, or [`PasskeyError::Disabled`].
pub fn policy(settings: &Settings) -> Result<&PasskeyPolicy, PasskeyError> {
    settings.passkeys.as_ref().ok_or(PasskeyError::Disabled)
}

/// A challenge's random part.
fn random16(rng: &impl SecureRandom) -> Result<[u8; 16], PasskeyError> {
    let mut random = [0u8; 16];
    rng.fill(&mut random)?;
    Ok(random)
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests;
