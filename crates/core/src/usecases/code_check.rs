//! The check of a presented code, shared by login and a number change: the code's session and
//! the code are validated (the phone was, at the edge), then checked against the store in one atomic step (the
//! code is spent by a success). The MAC names the code's purpose, so a code is good only for
//! what it was sent for.

use super::send_otp::limited;
use super::Problem;
use crate::config::settings::Settings;
use crate::domain::account::UserId;
use crate::domain::client_address;
use crate::domain::otp::{purpose_mac, CodePurpose, MalformedCode, OtpCode};
use crate::domain::phone::PhoneNumber;
use crate::domain::quota::Quota;
use crate::domain::session::{MalformedSessionId, SessionId};
use crate::http::error::{ErrorBody, ErrorCode};
use crate::ports::{
    BackendError, Caller, Limit, OtpStore, UnixSeconds, VerifyOutcome, VerifyRequest,
};

/// A code as the client presented it.
pub struct PresentedCode<'a> {
    /// The number the code was sent to, parsed at the edge.
    pub phone: &'a PhoneNumber,
    pub otp: &'a str,
    /// The session the code was sent for.
    pub session_id: Option<&'a str>,
    pub client_ip: &'a str,
    /// The caller's network (the edge's ASN): a right code counts as its login, and its
    /// calling code's, in the risk counters.
    pub asn: Option<u32>,
    /// The request's time: the risk counters' bucket of a right code's login.
    pub now: UnixSeconds,
}

/// Why a presented code was not accepted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CodeRejected {
    #[error("session_id required")]
    SessionRequired,
    #[error("invalid session id: {0}")]
    InvalidSession(MalformedSessionId),
    #[error("{0}")]
    MalformedCode(MalformedCode),
    /// A wrong code, no pending code, a code sent to another session or for another purpose:
    /// one answer for all, so a caller cannot tell whether a number has a code pending.
    #[error("wrong, expired or another session's code")]
    InvalidOtp,
    #[error("code burned after too many attempts")]
    TooManyAttempts,
    #[error("rate limited ({limit:?}) for {retry_after_secs}s")]
    Limited {
        limit: Limit,
        retry_after_secs: u32,
        quota: Option<Quota>,
    },
    #[error(transparent)]
    Backend(BackendError),
}

/// A spent code: the caller's login quota after it, and the account the number's last login
/// reached, when the store remembers it (a hint for the account store, `Counted::account`).
#[derive(Debug)]
pub struct Checked {
    pub quota: Option<Quota>,
    pub account: Option<UserId>,
}

/// Checks and spends the code; answers the phone it was sent to.
pub async fn check_code<S: OtpStore>(
    store: &S,
    settings: &Settings,
    hmac_secret: &[u8],
    purpose: CodePurpose<'_>,
    presented: &PresentedCode<'_>,
) -> Result<Checked, CodeRejected> {
    let phone = presented.phone;
    let session = match presented.session_id {
        None | Some("") => return Err(CodeRejected::SessionRequired),
        Some(given) => SessionId::parse(given).map_err(CodeRejected::InvalidSession)?,
    };
    let code =
        OtpCode::parse(presented.otp, settings.code_length).map_err(CodeRejected::MalformedCode)?;
    let mac = purpose_mac(hmac_secret, purpose, phone, &session, &code);
    let bucket = client_address::bucket(presented.client_ip, settings.ipv6_prefix_len);
    let request = VerifyRequest {
        phone,
        session: &session,
        mac: &mac,
        client_ip: &bucket,
        caller: Caller {
            asn: presented.asn,
            human: false,
            now: presented.now,
        },
        settings,
    };
    let counted = store
        .verify(&request)
        .await
        .map_err(CodeRejected::Backend)?;
    match counted.outcome {
        VerifyOutcome::Verified => Ok(Checked {
            quota: counted.quota,
            account: counted.account,
        }),
        VerifyOutcome::NotFound | VerifyOutcome::Mismatch { .. } => Err(CodeRejected::InvalidOtp),
        VerifyOutcome::Burned => Err(CodeRejected::TooManyAttempts),
        VerifyOutcome::Limited {
            limit,
            retry_after_secs,
        } => Err(CodeRejected::Limited {
            limit,
            retry_after_secs,
            quota: counted.quota,
        }),
    }
}

impl CodeRejected {
    pub fn problem(&self) -> Problem {
        let body = |code, message: &str| ErrorBody::new(code, message);
        match self {
            CodeRejected::SessionRequired => Problem::new(body(
                ErrorCode::SessionRequired,
                "session_id required - please call send OTP first",
            )),
            CodeRejected::InvalidSession(why) => Problem::new(
                body(ErrorCode::InvalidRequest, "invalid session_id").with_details(why.to_string()),
            ),
            CodeRejected::MalformedCode(why) => Problem::new(
                body(ErrorCode::InvalidRequest, "invalid otp").with_details(why.to_string()),
            ),
            CodeRejected::InvalidOtp => Problem::new(body(
                ErrorCode::InvalidOtp,
                "invalid or expired code; request a new one if it keeps failing",
            )),
            CodeRejected::TooManyAttempts => Problem::new(body(
                ErrorCode::TooManyAttempts,
                "too many wrong attempts; the code is no longer valid, request a new one",
            )),
            CodeRejected::Limited {
                limit,
                retry_after_secs,
                quota,
            } => limited(*limit, *retry_after_secs).with_quota(*quota),
            CodeRejected::Backend(error) => Problem::new(super::backend_body(error)),
        }
    }
}
