//! `POST /api/v1/auth/refresh` and `POST /api/v1/auth/logout`: rotate a refresh token (one
//! statement), or end sessions with one; each on one borrowed connection.

use super::{IssuedTokens, Problem, Signing};
use crate::config::settings::Settings;
use crate::domain::secrets::{legacy_token_hash, PresentedToken, RefreshSecret, RefreshToken};
use crate::domain::session::SessionId;
use crate::domain::token::TokenError;
use crate::http::error::{ErrorBody, ErrorCode};
use crate::ports::{
    AccountLender, AccountStore, BackendError, Clock, LogoutOutcome, LogoutScope, Rotation,
    RotationOutcome, SecureRandom, TokenSigner,
};

pub struct RefreshInput<'a> {
    pub refresh_token: Option<&'a str>,
    pub session_id: Option<&'a str>,
    /// The thumbprint of the DPoP key the request proved, if any: a bound token is found only
    /// with its own key, and its successor is bound to the same key.
    pub binding: Option<&'a str>,
}

/// A refresh hands out the rotated pair.
pub type RefreshOutput = IssuedTokens;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RefreshError {
    #[error("refresh_token required")]
    Missing,
    #[error("invalid session_id")]
    InvalidSession,
    #[error("invalid refresh token")]
    Invalid,
    #[error("refresh token reused; session revoked")]
    Reused,
    #[error(transparent)]
    Backend(#[from] BackendError),
    #[error(transparent)]
    Token(TokenError),
    #[error("secure random source unavailable")]
    Random,
}

pub struct RefreshDeps<'a, A, T, R, C> {
    pub accounts: &'a A,
    pub signer: &'a T,
    pub rng: &'a R,
    pub clock: &'a C,
    pub settings: &'a Settings,
    /// The data region the accounts store serves, named in the tokens; `None` without regions.
    pub region: Option<&'a str>,
}

pub async fn refresh<A, T, R, C>(
    deps: &RefreshDeps<'_, A, T, R, C>,
    input: &RefreshInput<'_>,
) -> Result<RefreshOutput, RefreshError>
where
    A: AccountLender,
    T: TokenSigner,
    R: SecureRandom,
    C: Clock,
{
    let presented = input
        .refresh_token
        .filter(|t| !t.is_empty())
        .ok_or(RefreshError::Missing)?;
    let session = match input.session_id.filter(|s| !s.is_empty()) {
        Some(s) => Some(SessionId::parse(s).map_err(|_| RefreshError::InvalidSession)?),
        None => None,
    };
    let settings = deps.settings;
    let now = deps.clock.now();
    let secret = RefreshSecret::generate(deps.rng).map_err(|_| RefreshError::Random)?;
    let refresh_expires_at = now + i64::from(settings.refresh_token_ttl_secs);
    let (successor, outcome) = deps
        .accounts
        .lend(async |accounts| {
            let presented = present(accounts, presented)
                .await?
                .ok_or(RefreshError::Invalid)?
                .bound_to(input.binding);
            // The successor names the same user and key: a session never changes hands.
            let successor =
                RefreshToken::for_user(&presented.user_id, &secret).bound_to(input.binding);
            let rotation = Rotation {
                presented: &presented,
                successor_hash: &successor.hash,
                session: session.as_ref(),
                successor_expires_at: refresh_expires_at,
                grace_secs: settings.refresh_grace_secs,
            };
            let outcome = accounts.rotate(&rotation).await?;
            Ok::<_, RefreshError>((successor, outcome))
        })
        .await?;
    // The store caps the successor at the session's end: a refresh never extends a session.
    let (user, session, refresh_expires_at) = match outcome {
        RotationOutcome::Rotated {
            user,
            session,
            expires_at,
        } => (user, session, expires_at),
        RotationOutcome::Reused => return Err(RefreshError::Reused),
        RotationOutcome::Invalid => return Err(RefreshError::Invalid),
    };
    let signing = Signing {
        signer: deps.signer,
        rng: deps.rng,
        settings,
        now,
        region: deps.region,
        binding: input.binding,
    };
    IssuedTokens::sign(signing, user, session, successor, refresh_expires_at)
        .await
        .map_err(RefreshError::Token)
}

impl RefreshError {
    pub fn problem(&self) -> Problem {
        let body = |code, message: &str| ErrorBody::new(code, message);
        Problem::new(match self {
            RefreshError::Missing => body(ErrorCode::InvalidRequest, "refresh_token required"),
            RefreshError::InvalidSession => body(ErrorCode::InvalidRequest, "invalid session_id"),
            RefreshError::Invalid => body(
                ErrorCode::InvalidRefreshToken,
                "invalid or expired refresh token",
            ),
            RefreshError::Reused => body(
                ErrorCode::RefreshTokenReused,
                "refresh token already used; the session has been revoked, please log in again",
            ),
            RefreshError::Backend(error) => super::backend_body(error),
            RefreshError::Token(_) | RefreshError::Random => super::internal(),
        })
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LogoutError {
    #[error("refresh_token required")]
    Missing,
    #[error("scope must be local, others or global")]
    BadScope,
    #[error("invalid refresh token")]
    Invalid,
    #[error("refresh token reused; session revoked")]
    Reused,
    #[error(transparent)]
    Backend(#[from] BackendError),
}

/// Ends the presented token's session, the user's other sessions, or all of them. A token
/// bound to a DPoP key ends nothing unless `binding` is that key's (the request proved it).
pub async fn logout<A: AccountLender>(
    accounts: &A,
    refresh_token: Option<&str>,
    scope: Option<&str>,
    binding: Option<&str>,
) -> Result<(), LogoutError> {
    let presented = refresh_token
        .filter(|t| !t.is_empty())
        .ok_or(LogoutError::Missing)?;
    let scope = match scope.unwrap_or("local") {
        "local" => LogoutScope::Local,
        "others" => LogoutScope::Others,
        "global" => LogoutScope::Global,
        _ => return Err(LogoutError::BadScope),
    };
    accounts
        .lend(async |accounts| {
            let presented = present(accounts, presented)
                .await?
                .ok_or(LogoutError::Invalid)?
                .bound_to(binding);
            match accounts.logout(&presented, scope).await? {
                LogoutOutcome::Ended => Ok(()),
                LogoutOutcome::NotLive => Err(LogoutError::Invalid),
                LogoutOutcome::Reused => Err(LogoutError::Reused),
            }
        })
        .await
}

/// A presented refresh token, split into its user and hash: ours name their user; a token the
/// Go service issued and `auth-ops import-otp-auth` imported is looked up by its hash (one
/// more round trip, once per imported session: its successor is ours). `None`: not a token.
async fn present<A: AccountStore>(
    accounts: &A,
    token: &str,
) -> Result<Option<PresentedToken>, BackendError> {
    if let Some(ours) = RefreshToken::parse(token) {
        return Ok(Some(ours));
    }
    let Some(hash) = legacy_token_hash(token) else {
        return Ok(None);
    };
    let owner = accounts.legacy_token_owner(&hash).await?;
    Ok(owner.map(|user_id| PresentedToken { user_id, hash }))
}

impl LogoutError {
    pub fn problem(&self) -> Problem {
        let body = |code, message: &str| ErrorBody::new(code, message);
        Problem::new(match self {
            LogoutError::Missing => body(ErrorCode::InvalidRequest, "refresh_token required"),
            LogoutError::BadScope => body(
                ErrorCode::InvalidRequest,
                "scope must be local, others or global",
            ),
            LogoutError::Invalid => body(
                ErrorCode::InvalidRefreshToken,
                "invalid or expired refresh token",
            ),
            LogoutError::Reused => body(
                ErrorCode::RefreshTokenReused,
                "refresh token already used; the session has been revoked, please log in again",
            ),
            LogoutError::Backend(error) => super::backend_body(error),
        })
    }
}

#[cfg(test)]
mod tests;
