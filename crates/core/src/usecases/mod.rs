//! The use cases: what each endpoint decides, over the ports. Each has its own error enum that
//! maps to the contract's error body in one place ([`Problem`]).

pub mod admin;
pub mod change_phone;
pub mod code_check;
pub mod delete_account;
pub mod dpop;
pub mod login;
pub mod oauth;
pub mod passkeys;
pub mod readiness;
pub mod refresh;
pub mod send_otp;

use crate::config::settings::Settings;
use crate::domain::account::User;
use crate::domain::quota::Quota;
use crate::domain::regions;
use crate::domain::secrets::RefreshToken;
use crate::domain::session::SessionId;
use crate::domain::token::{self, TokenError};
use crate::http::error::{ErrorBody, ErrorCode};
use crate::ports::{BackendError, SecureRandom, TokenSigner, UnixSeconds};

/// An error as the client will see it: the body, and for 429s the `Retry-After` seconds and
/// the spent quota (the RateLimit header fields) when the refusing limit is the caller's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub body: ErrorBody,
    pub retry_after_secs: Option<u32>,
    pub quota: Option<Quota>,
}

impl Problem {
    pub fn new(body: ErrorBody) -> Self {
        Self {
            body,
            retry_after_secs: None,
            quota: None,
        }
    }

    pub fn with_quota(mut self, quota: Option<Quota>) -> Self {
        self.quota = quota;
        self
    }

    pub fn retry_after(mut self, secs: u32) -> Self {
        self.retry_after_secs = Some(secs.max(1));
        self
    }
}

/// The answer to a backend that failed: 503 when it is down or slow (the client may retry),
/// 500 when it answered something that should not happen. The cause goes to the log only.
pub(crate) fn backend_body(error: &BackendError) -> ErrorBody {
    match error {
        BackendError::Unavailable(_) => ErrorBody::new(
            ErrorCode::ServiceUnavailable,
            "service temporarily unavailable",
        ),
        BackendError::Failed(_) => internal(),
    }
}

/// The answer to a number that does not parse: every request that takes one parses it once, at
/// the edge, before routing it to its region and its use case.
pub fn invalid_phone(why: &crate::domain::phone::PhoneError) -> Problem {
    Problem::new(
        ErrorBody::new(ErrorCode::InvalidPhone, "invalid phone number")
            .with_details(why.to_string()),
    )
}

/// The answer to a bearer whose session has ended (revoked, expired, idle, or its user gone).
pub(crate) fn session_gone() -> ErrorBody {
    ErrorBody::new(ErrorCode::Unauthorized, "session is no longer active")
}

/// The answer to a failure of our own (a signer, the random source): 500.
pub(crate) fn internal() -> ErrorBody {
    ErrorBody::new(ErrorCode::Internal, "internal error")
}

/// What login and refresh hand out: a signed access token for the session, the refresh token,
/// their lifetimes, and whose they are.
#[derive(Debug, Clone)]
pub struct IssuedTokens {
    pub access_token: String,
    pub refresh_token: String,
    pub expires_in: u32,
    pub expires_at: UnixSeconds,
    pub refresh_expires_at: UnixSeconds,
    pub user: User,
    pub session: SessionId,
    /// `Bearer`, or `DPoP` for a pair bound to a key.
    pub token_type: &'static str,
}

/// Everything that signs the access token of an [`IssuedTokens`].
pub(crate) struct Signing<'a, T, R> {
    pub signer: &'a T,
    pub rng: &'a R,
    pub settings: &'a Settings,
    pub now: UnixSeconds,
    /// The user's data region, named in both tokens (`crate::domain::regions`); `None` in a
    /// single-region deployment.
    pub region: Option<&'a str>,
    /// The DPoP key the pair is bound to (its thumbprint), if any: the access token carries it
    /// as `cnf.jkt`, and its type is `DPoP`.
    pub binding: Option<&'a str>,
}

impl IssuedTokens {
    /// Signs the access token for `user`'s `session` and pairs it with the stored refresh token.
    pub(crate) async fn sign<T: TokenSigner, R: SecureRandom>(
        with: Signing<'_, T, R>,
        user: User,
        session: SessionId,
        refresh: RefreshToken,
        refresh_expires_at: UnixSeconds,
    ) -> Result<Self, TokenError> {
        let (id, scope) = (user.id.as_str(), user.scope.as_str());
        let mut claims = token::Claims::new(
            with.settings,
            id,
            session.as_str(),
            scope,
            with.now,
            with.rng,
        )?;
        claims.rgn = with.region.map(str::to_owned);
        claims.cnf = with.binding.map(|jkt| token::Confirmation {
            jkt: jkt.to_owned(),
        });
        let access_token = token::sign(with.signer, &claims).await?;
        let expires_at = claims.exp;
        Ok(Self {
            access_token,
            refresh_token: regions::tagged(with.region, refresh.token),
            expires_in: with.settings.access_token_ttl_secs,
            expires_at,
            refresh_expires_at,
            user,
            session,
            token_type: token::type_of(with.binding),
        })
    }
}
