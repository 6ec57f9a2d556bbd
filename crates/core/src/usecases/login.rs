//! `POST /api/v1/auth/login`: check phone + session + code in one atomic step, then create the
//! user if new, start a new session (under an id the server mints) with its refresh token (one
//! write), and sign an access token. The OTP store remembers the account a number's login
//! reached and hands it back with the next verified code, so a returning number's login is
//! one statement (the account write), not two (the phone's claim first).
//!
//! With data regions, a number's account lives in its home region, except one made before its
//! region was where it is now: before `DATA_REGIONS` was turned on, before its calling code
//! moved, or imported into another region's database. So a number with no account at home is
//! looked for in every other region before a new account is made, and logs in where it is
//! found (its tokens then name that region). One number, one account, wherever it lives; a
//! blocked account stays blocked, since the login runs in the region that holds it.

use super::code_check::{check_code, CodeRejected, PresentedCode};
use super::{IssuedTokens, Problem, Signing};
use crate::config::settings::Settings;
use crate::domain::account::{Scope, UserId};
use crate::domain::otp::CodePurpose;
use crate::domain::phone::PhoneNumber;
use crate::domain::quota::Quota;
use crate::domain::secrets::RefreshSecret;
use crate::domain::session::SessionId;
use crate::domain::token::TokenError;
use crate::http::error::{ErrorBody, ErrorCode};
use crate::ports::{
    AccountLender, AccountStore, BackendError, Clock, LoginAccount, NewLogin, OtpStore,
    SecureRandom, TokenSigner,
};
use futures::future::join_all;

pub struct LoginInput<'a> {
    /// The number, parsed at the edge.
    pub phone: &'a PhoneNumber,
    pub otp: &'a str,
    pub session_id: Option<&'a str>,
    pub client_ip: &'a str,
    /// The caller's network (the edge's ASN), for the risk counters' logins.
    pub asn: Option<u32>,
    pub user_agent: Option<&'a str>,
    /// The scope a user created by this login gets (`ApiProfile::new_user_scope`).
    pub new_user_scope: &'a Scope,
    /// The thumbprint of the DPoP key the request proved (its proof checked at the edge,
    /// `crate::usecases::dpop`): the token pair is bound to it.
    pub binding: Option<&'a str>,
}

/// The tokens of a successful login, and whether it created the user.
#[derive(Debug, Clone)]
pub struct LoginOutput {
    pub tokens: IssuedTokens,
    pub is_new_user: bool,
    /// The number's calling code, for the metrics.
    pub calling_code: u16,
    /// The data region that holds the account (`None` without regions).
    pub region: Option<String>,
    /// The caller's login quota (the address's), for the RateLimit header fields.
    pub quota: Option<Quota>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LoginError {
    #[error(transparent)]
    Code(CodeRejected),
    /// The code was right, and the phone's user is blocked by an admin: no session.
    #[error("the user is blocked")]
    Blocked,
    #[error(transparent)]
    Backend(BackendError),
    #[error(transparent)]
    Token(TokenError),
    #[error("secure random source unavailable")]
    Random,
}

pub struct LoginDeps<'a, S, A, T, R, C> {
    pub store: &'a S,
    /// The account store of the number's home region, borrowed once the code is right.
    pub accounts: &'a A,
    /// Every other data region's name and account store; none without `DATA_REGIONS`.
    pub elsewhere: &'a [(&'a str, A)],
    pub signer: &'a T,
    pub rng: &'a R,
    pub clock: &'a C,
    pub settings: &'a Settings,
    /// The data region the accounts store serves, named in the tokens; `None` without regions.
    pub region: Option<&'a str>,
    pub hmac_secret: &'a [u8],
}

pub async fn login<S, A, T, R, C>(
    deps: &LoginDeps<'_, S, A, T, R, C>,
    input: &LoginInput<'_>,
) -> Result<LoginOutput, LoginError>
where
    S: OtpStore,
    A: AccountLender,
    T: TokenSigner,
    R: SecureRandom,
    C: Clock,
{
    let settings = deps.settings;
    let presented = PresentedCode {
        phone: input.phone,
        otp: input.otp,
        session_id: input.session_id,
        client_ip: input.client_ip,
        asn: input.asn,
        now: deps.clock.now(),
    };
    let checked = check_code(
        deps.store,
        settings,
        deps.hmac_secret,
        CodePurpose::Login,
        &presented,
    )
    .await
    .map_err(LoginError::Code)?;
    let phone = input.phone;

    let now = deps.clock.now();
    let refresh_secret = RefreshSecret::generate(deps.rng).map_err(|_| LoginError::Random)?;
    let new_user_id = UserId::generate(deps.rng).map_err(|_| LoginError::Random)?;
    // The client's session id only bound the code. The session this login starts gets an id
    // the server mints, so no client can pick (or bring back) a session id: a revoked session
    // stays revoked whatever id a later login presents.
    let started = SessionId::generate(deps.rng).map_err(|_| LoginError::Random)?;
    let refresh_expires_at = now + i64::from(settings.refresh_token_ttl_secs);
    let new_login = NewLogin {
        phone,
        new_user_id: &new_user_id,
        session: &started,
        refresh_secret: &refresh_secret,
        refresh_expires_at,
        user_agent: input.user_agent,
        client_ip: Some(input.client_ip),
        new_user_scope: input.new_user_scope,
        // With data regions the hint is not used: an account in another region must be
        // found there, and a home store that does not know the hinted user would claim anew.
        known_account: checked
            .account
            .as_ref()
            .filter(|_| deps.elsewhere.is_empty()),
        binding: input.binding,
    };
    // One connection at home for the whole login; another region's only when it holds the
    // number's account.
    let (account, region) = deps
        .accounts
        .lend(async |home| {
            if deps.elsewhere.is_empty() || home.phone_owner(phone).await?.is_some() {
                return Ok((home.login(&new_login).await?, deps.region));
            }
            match holder_elsewhere(deps.elsewhere, phone).await? {
                Some((name, there)) => {
                    let account = there.lend(async |s| s.login(&new_login).await).await?;
                    Ok((account, Some(name)))
                }
                None => Ok((home.login(&new_login).await?, deps.region)),
            }
        })
        .await
        .map_err(LoginError::Backend)?;
    let is_new_user = match account {
        LoginAccount::Blocked(_) => return Err(LoginError::Blocked),
        LoginAccount::Created(_) => true,
        LoginAccount::Found(_) => false,
    };
    let user = account.into_user();
    // The number's next login may then skip the phone's claim (the store sends this after the
    // answer, with the metrics, where it can). Kept fresh by every login, so a number that
    // logs in at least monthly never pays the claim again.
    if deps.elsewhere.is_empty() {
        deps.store.remember_account(phone, &user.id).await;
    }
    // The store kept this token's hash; the user id it names comes from the store.
    let refresh = new_login.refresh_token(&user.id);
    let signing = Signing {
        signer: deps.signer,
        rng: deps.rng,
        settings,
        now,
        region,
        binding: input.binding,
    };
    let tokens = IssuedTokens::sign(signing, user, started, refresh, refresh_expires_at)
        .await
        .map_err(LoginError::Token)?;
    Ok(LoginOutput {
        tokens,
        is_new_user,
        calling_code: phone.calling_code(),
        region: region.map(str::to_owned),
        quota: checked.quota,
    })
}

/// The other region that holds the number's account, asked when the home region does not
/// know the number: every other region at once. A region that cannot answer fails the login
/// (503): a second account for a number another region may hold is worse than a retry.
async fn holder_elsewhere<'d, A: AccountLender>(
    elsewhere: &'d [(&'d str, A)],
    phone: &PhoneNumber,
) -> Result<Option<(&'d str, &'d A)>, BackendError> {
    let asked = elsewhere
        .iter()
        .map(|(_, lender)| lender.lend(async |s| s.phone_owner(phone).await));
    let found = join_all(asked).await;
    let mut failure = None;
    for ((name, lender), owner) in elsewhere.iter().zip(found) {
        match owner {
            Ok(Some(_)) => return Ok(Some((name, lender))),
            Ok(None) => {}
            Err(error) => failure = Some(error),
        }
    }
    failure.map_or(Ok(None), Err)
}

impl LoginError {
    pub fn problem(&self) -> Problem {
        match self {
            LoginError::Code(rejected) => rejected.problem(),
            LoginError::Blocked => Problem::new(ErrorBody::new(
                ErrorCode::UserBlocked,
                "this account is blocked; contact the app's support",
            )),
            LoginError::Backend(error) => Problem::new(super::backend_body(error)),
            LoginError::Token(_) | LoginError::Random => Problem::new(super::internal()),
        }
    }
}

#[cfg(test)]
mod regions_tests;
#[cfg(test)]
mod tests;
