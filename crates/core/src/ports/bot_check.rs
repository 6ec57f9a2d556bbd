//! The bot check before a code is paid for: a token the client's page got from a challenge
//! (Cloudflare Turnstile), verified by the challenge's own service.

use super::BackendError;
use std::future::Future;

/// What the challenge's service says of a token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BotVerdict {
    /// A fresh token from a passed challenge.
    Human,
    /// A token the service refuses: failed, expired, already used or forged.
    NotHuman,
}

/// Verifies challenge tokens. Implementations MUST answer `Human` only when the service
/// accepted the token, and `Err(BackendError::Unavailable)` when it could not be asked (down,
/// slow, an answer it should not give), never a verdict they did not get.
pub trait BotCheck {
    fn verify(
        &self,
        token: &str,
        remote_ip: Option<&str>,
    ) -> impl Future<Output = Result<BotVerdict, BackendError>>;
}
