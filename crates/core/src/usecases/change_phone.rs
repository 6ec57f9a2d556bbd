//! A user moves their account to a new number: `POST /api/v1/users/me/phone/send-otp` sends a
//! code to the new number, bound to the caller's user id (`CodePurpose::ChangeNumber`), with
//! send-otp's limits and words of its own; `POST /api/v1/users/me/phone` checks that code and
//! moves the account, then tells the number it left (an SMS with no code), so that a move its
//! owner did not make does not go unseen. A login code cannot move a number, a change code
//! cannot log in, and a code sent for one user cannot move another's. With data regions an
//! account cannot move between regions: its rows stay in its region, so a number of another
//! region is refused before any code is sent or checked.

use super::code_check::{check_code, CodeRejected, PresentedCode};
use super::send_otp::{send_otp, SendOtpDeps, SendOtpError, SendOtpInput, SendOtpOutput};
use super::Problem;
use crate::config::settings::Settings;
use crate::domain::account::{User, UserId};
use crate::domain::delivery::Channel;
use crate::domain::otp::CodePurpose;
use crate::domain::phone::PhoneNumber;
use crate::domain::regions::{RegionId, Regions};
use crate::domain::session::SessionId;
use crate::http::error::{ErrorBody, ErrorCode};
use crate::ports::{
    AccountLender, AccountStore, BackendError, BotCheck, Clock, CodeSender, OtpStore, OutgoingCode,
    PhoneChange, PhoneChangeOutcome, SecureRandom, SmsError,
};

/// Who moves: the caller's user, and the data region their account lives in.
#[derive(Clone, Copy)]
pub struct Mover<'a> {
    pub user: &'a UserId,
    pub region: RegionId,
    pub regions: &'a Regions,
}

impl Mover<'_> {
    /// Whether the number is in the account's region (always, without regions).
    fn may_move_to(&self, phone: &PhoneNumber) -> bool {
        self.regions.of_number(phone) == self.region
    }
}

/// The refusal of a number of another region.
pub(super) fn other_region() -> ErrorBody {
    ErrorBody::new(
        ErrorCode::InvalidPhone,
        "this number belongs to another data region; an account cannot move between regions",
    )
}

/// Sends the code that moves `mover` to `input.phone` (its `purpose` is set here).
pub async fn send_change_code<S, M, R, B, C>(
    deps: &SendOtpDeps<'_, S, M, R, B, C>,
    mover: &Mover<'_>,
    input: SendOtpInput<'_>,
) -> Result<SendOtpOutput, SendOtpError>
where
    S: OtpStore,
    M: CodeSender,
    R: SecureRandom,
    B: BotCheck,
    C: Clock,
{
    if !mover.may_move_to(input.phone) {
        return Err(SendOtpError::OtherRegion);
    }
    let input = SendOtpInput {
        purpose: CodePurpose::ChangeNumber(mover.user),
        // A change code's session is always the server's.
        session_id: None,
        ..input
    };
    send_otp(deps, &input).await
}

pub struct ChangePhoneDeps<'a, S, A, M> {
    pub store: &'a S,
    pub accounts: &'a A,
    /// Tells the number the account left that it moved.
    pub sms: &'a M,
    pub settings: &'a Settings,
    pub hmac_secret: &'a [u8],
}

/// A move made: the user on its new number, the number it left (free now, for the OTP store to
/// forget), and whether that number was told.
#[derive(Debug)]
pub struct Moved {
    pub user: User,
    pub left: PhoneNumber,
    /// The notice to the number it left; a refusal of the provider leaves the move made (the
    /// caller logs it).
    pub notice: Result<(), SmsError>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ChangePhoneError {
    #[error(transparent)]
    Code(CodeRejected),
    #[error("the number belongs to another data region")]
    OtherRegion,
    #[error("another account has the number")]
    PhoneTaken,
    #[error("the caller's session is not live")]
    SessionGone,
    #[error("the caller's session logged in too long ago")]
    NotRecent,
    #[error(transparent)]
    Backend(BackendError),
}

/// Checks the change code the caller (`mover`, from its live `session`) presents, moves the
/// account to the code's number, and tells the number it left, in the first of `languages`.
pub async fn change_phone<S: OtpStore, A: AccountLender, M: CodeSender>(
    deps: &ChangePhoneDeps<'_, S, A, M>,
    mover: &Mover<'_>,
    session: &SessionId,
    presented: &PresentedCode<'_>,
    languages: &[String],
) -> Result<Moved, ChangePhoneError> {
    let user = mover.user;
    if !mover.may_move_to(presented.phone) {
        return Err(ChangePhoneError::OtherRegion);
    }
    let purpose = CodePurpose::ChangeNumber(user);
    check_code(
        deps.store,
        deps.settings,
        deps.hmac_secret,
        purpose,
        presented,
    )
    .await
    .map_err(ChangePhoneError::Code)?;
    let change = PhoneChange {
        user,
        session,
        new_phone: presented.phone,
        revoke_other_sessions: deps.settings.phone_change_revokes_other_sessions,
        max_auth_age_secs: deps.settings.phone_change_max_auth_age_secs,
    };
    match deps
        .accounts
        .lend(async |accounts| accounts.change_phone(&change).await)
        .await
        .map_err(ChangePhoneError::Backend)?
    {
        PhoneChangeOutcome::Changed { user, previous } => {
            let text = deps.settings.sms_text.moved_notice(languages);
            let notice = OutgoingCode {
                to: &previous,
                channel: Channel::Sms,
                text: &text,
                code: None,
                voice_locale: None,
            };
            let notice = deps.sms.send(&notice).await;
            Ok(Moved {
                user,
                left: previous,
                notice,
            })
        }
        PhoneChangeOutcome::PhoneTaken => Err(ChangePhoneError::PhoneTaken),
        PhoneChangeOutcome::SessionGone => Err(ChangePhoneError::SessionGone),
        PhoneChangeOutcome::NotRecent => Err(ChangePhoneError::NotRecent),
    }
}

impl ChangePhoneError {
    pub fn problem(&self) -> Problem {
        match self {
            ChangePhoneError::Code(rejected) => rejected.problem(),
            ChangePhoneError::OtherRegion => Problem::new(other_region()),
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
