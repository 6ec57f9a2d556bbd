//! How send-otp's errors are answered: each one's code, status and words (`Problem`), and the
//! 429 of a limit, which login shares.

use super::SendOtpError;
use crate::domain::risk::RiskDecision;
use crate::http::error::{ErrorBody, ErrorCode};
use crate::ports::Limit;
use crate::usecases::Problem;

impl SendOtpError {
    /// The risk decision of a send the risk rules stopped.
    pub fn decision(&self) -> Option<&RiskDecision> {
        match self {
            SendOtpError::Refused(decision)
            | SendOtpError::CaptchaRequired(decision)
            | SendOtpError::CaptchaFailed(decision) => Some(decision),
            _ => None,
        }
    }

    pub fn problem(&self) -> Problem {
        let body = |code, message: &str| ErrorBody::new(code, message);
        match self {
            SendOtpError::OtherRegion => Problem::new(super::super::change_phone::other_region()),
            SendOtpError::CountryNotAllowed => Problem::new(
                body(ErrorCode::InvalidPhone, "invalid phone number")
                    .with_details("codes are not sent to this country"),
            ),
            SendOtpError::InvalidSession(why) => Problem::new(
                body(ErrorCode::InvalidRequest, "invalid session_id").with_details(why.to_string()),
            ),
            SendOtpError::InvalidLocale => Problem::new(
                body(ErrorCode::InvalidRequest, "invalid locale")
                    .with_details("locale must be a language tag such as es or pt-BR"),
            ),
            SendOtpError::UnknownChannel(why) => Problem::new(
                body(ErrorCode::InvalidRequest, "invalid channel").with_details(why.to_string()),
            ),
            SendOtpError::Refused(decision) => Problem::new(
                body(ErrorCode::SendRefused, "this code cannot be sent")
                    .with_details(reasons(decision)),
            ),
            SendOtpError::CaptchaRequired(_) => Problem::new(body(
                ErrorCode::CaptchaRequired,
                "complete the bot check and send its token as captcha_token",
            )),
            SendOtpError::CaptchaFailed(_) => Problem::new(body(
                ErrorCode::CaptchaFailed,
                "the bot check failed; complete a new one",
            )),
            SendOtpError::CaptchaUnavailable(error) => {
                Problem::new(crate::usecases::backend_body(error))
            }
            SendOtpError::ChannelNotOffered(channel) => Problem::new(
                body(ErrorCode::InvalidRequest, "channel not offered")
                    .with_details(format!("codes are not sent by {} here", channel.as_str())),
            ),
            SendOtpError::Limited {
                limit,
                retry_after_secs,
                quota,
            } => limited(*limit, *retry_after_secs).with_quota(*quota),
            SendOtpError::Sms(_) => Problem::new(body(
                ErrorCode::SmsDeliveryFailed,
                "the code could not be sent",
            )),
            SendOtpError::Backend(error) => Problem::new(crate::usecases::backend_body(error)),
            SendOtpError::Random => Problem::new(crate::usecases::internal()),
        }
    }
}

/// The signals that refused a send, for the client and the log (no values, only names).
fn reasons(decision: &RiskDecision) -> String {
    let names: Vec<&str> = decision.reasons.iter().map(|r| r.as_str()).collect();
    names.join(", ")
}

/// The 429 of a limit, with when to try again.
pub(crate) fn limited(limit: Limit, retry_after_secs: u32) -> Problem {
    Problem::new(
        ErrorBody::new(ErrorCode::RateLimited, "too many requests")
            .with_details(limit_details(limit)),
    )
    .retry_after(retry_after_secs)
}

/// Operator-readable reason for a 429, safe to show: it names no counter values.
fn limit_details(limit: Limit) -> &'static str {
    match limit {
        Limit::Cooldown => "wait before requesting another code",
        Limit::PhoneWindow => "too many codes requested for this number recently",
        Limit::PhoneDaily => "too many codes requested for this number today",
        Limit::ClientIp => "too many requests from this address",
        Limit::CountryBudget => "too many codes sent to this country right now",
        Limit::GlobalBudget => "too many codes sent right now",
        Limit::PhoneGuesses => "too many login attempts for this number",
        Limit::Locked => "this number is temporarily locked after too many failed logins",
    }
}
