//! `POST /api/v1/auth/login`: check phone + session + code in one atomic step, then create the
//! user if new, start a new session (under an id the server mints) with its refresh token (one
//! write), and sign an access token.

use super::send_otp::limit_details;
use super::{IssuedTokens, Problem, Signing};
use crate::account::{Scope, UserId};
use crate::client_address;
use crate::error::{ErrorBody, ErrorCode};
use crate::otp::{code_mac, MalformedCode, OtpCode};
use crate::phone::{PhoneError, PhoneNumber};
use crate::ports::{
    AccountStore, BackendError, Clock, Limit, LoginAccount, NewLogin, OtpStore, SecureRandom,
    TokenSigner, VerifyOutcome, VerifyRequest,
};
use crate::secrets::{RefreshSecret, RefreshToken};
use crate::session::{MalformedSessionId, SessionId};
use crate::settings::Settings;
use crate::token::TokenError;

pub struct LoginInput<'a> {
    pub phone: &'a str,
    pub otp: &'a str,
    pub session_id: Option<&'a str>,
    pub client_ip: &'a str,
    pub user_agent: Option<&'a str>,
    /// The scope a user created by this login gets (`ApiProfile::new_user_scope`).
    pub new_user_scope: &'a Scope,
}

/// The tokens of a successful login, and whether it created the user.
#[derive(Debug, Clone)]
pub struct LoginOutput {
    pub tokens: IssuedTokens,
    pub is_new_user: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LoginError {
    #[error("invalid phone: {0}")]
    InvalidPhone(PhoneError),
    #[error("session_id required")]
    SessionRequired,
    #[error("invalid session id: {0}")]
    InvalidSession(MalformedSessionId),
    #[error("{0}")]
    MalformedCode(MalformedCode),
    /// A wrong code, no pending code, or a code sent to another session: one answer for all
    /// three, so a caller cannot tell whether a number has a code pending.
    #[error("wrong, expired or another session's code")]
    InvalidOtp,
    #[error("code burned after too many attempts")]
    TooManyAttempts,
    /// The code was right, and the phone's user is blocked by an admin: no session.
    #[error("the user is blocked")]
    Blocked,
    #[error("rate limited ({limit:?}) for {retry_after_secs}s")]
    Limited { limit: Limit, retry_after_secs: u32 },
    #[error(transparent)]
    Backend(BackendError),
    #[error(transparent)]
    Token(TokenError),
    #[error("secure random source unavailable")]
    Random,
}

pub struct LoginDeps<'a, S, A, T, R, C> {
    pub store: &'a S,
    pub accounts: &'a A,
    pub signer: &'a T,
    pub rng: &'a R,
    pub clock: &'a C,
    pub settings: &'a Settings,
    pub hmac_secret: &'a [u8],
}

pub async fn login<S, A, T, R, C>(
    deps: &LoginDeps<'_, S, A, T, R, C>,
    input: &LoginInput<'_>,
) -> Result<LoginOutput, LoginError>
where
    S: OtpStore,
    A: AccountStore,
    T: TokenSigner,
    R: SecureRandom,
    C: Clock,
{
    let settings = deps.settings;
    let phone = PhoneNumber::parse(input.phone, settings.default_region)
        .map_err(LoginError::InvalidPhone)?;
    let session = match input.session_id {
        None | Some("") => return Err(LoginError::SessionRequired),
        Some(given) => SessionId::parse(given).map_err(LoginError::InvalidSession)?,
    };
    let code =
        OtpCode::parse(input.otp, settings.code_length).map_err(LoginError::MalformedCode)?;
    let mac = code_mac(deps.hmac_secret, &phone, &session, &code);
    let bucket = client_address::bucket(input.client_ip, settings.ipv6_prefix_len);
    let request = VerifyRequest {
        phone: &phone,
        session: &session,
        mac: &mac,
        client_ip: &bucket,
        settings,
    };
    match deps
        .store
        .verify(&request)
        .await
        .map_err(LoginError::Backend)?
    {
        VerifyOutcome::Verified => {}
        VerifyOutcome::NotFound | VerifyOutcome::Mismatch { .. } => {
            return Err(LoginError::InvalidOtp)
        }
        VerifyOutcome::Burned => return Err(LoginError::TooManyAttempts),
        VerifyOutcome::Limited {
            limit,
            retry_after_secs,
        } => {
            return Err(LoginError::Limited {
                limit,
                retry_after_secs,
            })
        }
    }

    let now = deps.clock.now();
    let refresh_secret = RefreshSecret::generate(deps.rng).map_err(|_| LoginError::Random)?;
    let new_user_id = UserId::generate(deps.rng).map_err(|_| LoginError::Random)?;
    // The client's session id only bound the code. The session this login starts gets an id
    // the server mints, so no client can pick (or bring back) a session id: a revoked session
    // stays revoked whatever id a later login presents.
    let started = SessionId::generate(deps.rng).map_err(|_| LoginError::Random)?;
    let refresh_expires_at = now + i64::from(settings.refresh_token_ttl_secs);
    let account = deps
        .accounts
        .login(&NewLogin {
            phone: &phone,
            new_user_id: &new_user_id,
            session: &started,
            refresh_secret: &refresh_secret,
            refresh_expires_at,
            user_agent: input.user_agent,
            client_ip: Some(input.client_ip),
            new_user_scope: input.new_user_scope,
        })
        .await
        .map_err(LoginError::Backend)?;
    let is_new_user = match account {
        LoginAccount::Blocked(_) => return Err(LoginError::Blocked),
        LoginAccount::Created(_) => true,
        LoginAccount::Found(_) => false,
    };
    let user = account.into_user();
    // The store kept this token's hash; the user id it names comes from the store.
    let refresh = RefreshToken::for_user(&user.id, &refresh_secret);
    let signing = Signing {
        signer: deps.signer,
        rng: deps.rng,
        settings,
        now,
    };
    let tokens = IssuedTokens::sign(signing, user, started, refresh, refresh_expires_at)
        .await
        .map_err(LoginError::Token)?;
    Ok(LoginOutput {
        tokens,
        is_new_user,
    })
}

impl LoginError {
    pub fn problem(&self) -> Problem {
        let body = |code, message: &str| ErrorBody::new(code, message);
        match self {
            LoginError::InvalidPhone(why) => Problem::new(
                body(ErrorCode::InvalidPhone, "invalid phone number").with_details(why.to_string()),
            ),
            LoginError::SessionRequired => Problem::new(body(
                ErrorCode::SessionRequired,
                "session_id required - please call send OTP first",
            )),
            LoginError::InvalidSession(why) => Problem::new(
                body(ErrorCode::InvalidRequest, "invalid session_id").with_details(why.to_string()),
            ),
            LoginError::MalformedCode(why) => Problem::new(
                body(ErrorCode::InvalidRequest, "invalid otp").with_details(why.to_string()),
            ),
            LoginError::InvalidOtp => Problem::new(body(
                ErrorCode::InvalidOtp,
                "invalid or expired code; request a new one if it keeps failing",
            )),
            LoginError::TooManyAttempts => Problem::new(body(
                ErrorCode::TooManyAttempts,
                "too many wrong attempts; the code is no longer valid, request a new one",
            )),
            LoginError::Blocked => Problem::new(body(
                ErrorCode::UserBlocked,
                "this account is blocked; contact the app's support",
            )),
            LoginError::Limited {
                limit,
                retry_after_secs,
            } => Problem::new(
                body(ErrorCode::RateLimited, "too many requests")
                    .with_details(limit_details(*limit)),
            )
            .retry_after(*retry_after_secs),
            LoginError::Backend(error) => Problem::new(super::backend_body(error)),
            LoginError::Token(_) | LoginError::Random => Problem::new(super::internal()),
        }
    }
}

#[cfg(test)]
mod tests;
