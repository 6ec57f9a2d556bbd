//! A user moves their account to a new number: `POST /api/v1/users/me/phone/send-otp` sends a
//! code to the new number, bound to the caller's user id (`CodePurpose::ChangeNumber`), with
//! send-otp's limits; `POST /api/v1/users/me/phone` checks that code and moves the account.
//! A login code cannot move a number, a change code cannot log in, and a code sent for one
//! user cannot move another's.

use super::code_check::{check_code, CodeRejected, PresentedCode};
use super::send_otp::{send_otp, SendOtpDeps, SendOtpError, SendOtpInput, SendOtpOutput};
use super::Problem;
use crate::account::{User, UserId};
use crate::error::{ErrorBody, ErrorCode};
use crate::otp::CodePurpose;
use crate::ports::{
    AccountStore, BackendError, BotCheck, Clock, CodeSender, OtpStore, PhoneChange,
    PhoneChangeOutcome, SecureRandom,
};
use crate::session::SessionId;
use crate::settings::Settings;

/// Sends the code that moves `user` to `input.phone` (its `purpose` is set here).
pub async fn send_change_code<S, M, R, B, C>(
    deps: &SendOtpDeps<'_, S, M, R, B, C>,
    user: &UserId,
    input: SendOtpInput<'_>,
) -> Result<SendOtpOutput, SendOtpError>
where
    S: OtpStore,
    M: CodeSender,
    R: SecureRandom,
    B: BotCheck,
    C: Clock,
{
    let input = SendOtpInput {
        purpose: CodePurpose::ChangeNumber(user),
        // A change code's session is always the server's.
        session_id: None,
        ..input
    };
    send_otp(deps, &input).await
}

pub struct ChangePhoneDeps<'a, S, A> {
    pub store: &'a S,
    pub accounts: &'a A,
    pub settings: &'a Settings,
    pub hmac_secret: &'a [u8],
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ChangePhoneError {
    #[error(transparent)]
    Code(CodeRejected),
    #[error("another account has the number")]
    PhoneTaken,
    #[error("the caller's session is not live")]
    SessionGone,
    #[error("the caller's session logged in too long ago")]
    NotRecent,
    #[error(transparent)]
    Backend(BackendError),
}

/// Checks the change code the caller (`user`, from its live `session`) presents, then moves
/// the account to the code's number.
pub async fn change_phone<S: OtpStore, A: AccountStore>(
    deps: &ChangePhoneDeps<'_, S, A>,
    user: &UserId,
    session: &SessionId,
    presented: &PresentedCode<'_>,
) -> Result<User, ChangePhoneError> {
    let purpose = CodePurpose::ChangeNumber(user);
    let new_phone = check_code(
        deps.store,
        deps.settings,
        deps.hmac_secret,
        purpose,
        presented,
    )
    .await
    .map_err(ChangePhoneError::Code)?
    .phone;
    let change = PhoneChange {
        user,
        session,
        new_phone: &new_phone,
        revoke_other_sessions: deps.settings.phone_change_revokes_other_sessions,
        max_auth_age_secs: deps.settings.phone_change_max_auth_age_secs,
    };
    match deps
        .accounts
        .change_phone(&change)
        .await
        .map_err(ChangePhoneError::Backend)?
    {
        PhoneChangeOutcome::Changed(user) => Ok(user),
        PhoneChangeOutcome::PhoneTaken => Err(ChangePhoneError::PhoneTaken),
        PhoneChangeOutcome::SessionGone => Err(ChangePhoneError::SessionGone),
        PhoneChangeOutcome::NotRecent => Err(ChangePhoneError::NotRecent),
    }
}

impl ChangePhoneError {
    pub fn problem(&self) -> Problem {
        match self {
            ChangePhoneError::Code(rejected) => rejected.problem(),
            ChangePhoneError::PhoneTaken => Problem::new(ErrorBody::new(
                ErrorCode::PhoneTaken,
                "another account uses this number",
            )),
            ChangePhoneError::SessionGone => Problem::new(super::session_gone()),
            ChangePhoneError::NotRecent => Problem::new(ErrorBody::new(
                ErrorCode::ReauthenticationRequired,
                "log in again (a fresh code) to change this account's number",
            )),
            ChangePhoneError::Backend(error) => Problem::new(super::backend_body(error)),
        }
    }
}

#[cfg(test)]
mod tests;
