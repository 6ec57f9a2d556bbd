//! `POST /api/v1/auth/send-otp`: validate, limit, make a code bound to a session, store only its
//! MAC, hand the code to the provider on the asked channel (SMS, WhatsApp or voice; the
//! configured fallbacks after it, `deliver.rs`).
//!
//! It never looks at the user table, so its answer and its timing are the same whether or not
//! the phone has an account.

use super::Problem;
use crate::client_address;
use crate::delivery::{Channel, UnknownChannel};
use crate::edge::EdgeSignals;
use crate::error::{ErrorBody, ErrorCode};
use crate::otp::{purpose_mac, CodePurpose, OtpCode};
use crate::phone::{PhoneError, PhoneNumber};
use crate::ports::{
    BackendError, BotCheck, CodeSender, IssueOutcome, IssueRequest, Limit, OtpStore, SecureRandom,
    SmsError,
};
use crate::risk::RiskDecision;
use crate::secrets::uniform_digits;
use crate::session::{MalformedSessionId, SessionId};
use crate::settings::Settings;
use crate::sms_text::{accepted_languages, is_language_tag};
use deliver::deliver;
use gate::gate;

/// What the client sent.
pub struct SendOtpInput<'a> {
    pub phone: &'a str,
    pub session_id: Option<&'a str>,
    pub client_ip: &'a str,
    /// The language the SMS is asked in (`locale` of the body), before `accept_language`.
    pub locale: Option<&'a str>,
    /// The request's `Accept-Language` header.
    pub accept_language: Option<&'a str>,
    /// A login code, or a code that changes a user's number (`usecases::change_phone`).
    pub purpose: CodePurpose<'a>,
    /// The asked channel's name (`sms` when absent).
    pub channel: Option<&'a str>,
    /// What the edge says about the caller (`crate::edge`).
    pub edge: &'a EdgeSignals,
    /// The client's bot-check token (`captcha_token`, or the `cf-turnstile-response` header).
    pub captcha_token: Option<&'a str>,
}

/// What the client gets back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SendOtpOutput {
    pub session_id: SessionId,
    pub expires_in: u32,
    pub resend_after: u32,
    /// Whether the number is a configured test number (no SMS was sent).
    pub test_number: bool,
    /// The channel the code went out on (the asked one, or a fallback).
    pub channel: Channel,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SendOtpError {
    #[error("invalid phone: {0}")]
    InvalidPhone(PhoneError),
    #[error("codes are not sent to this country")]
    CountryNotAllowed,
    #[error("invalid session id: {0}")]
    InvalidSession(MalformedSessionId),
    #[error("locale is not a language tag")]
    InvalidLocale,
    #[error("{0}")]
    UnknownChannel(UnknownChannel),
    #[error("channel {} is not offered", .0.as_str())]
    ChannelNotOffered(Channel),
    /// The risk decision refused the send.
    #[error("refused: {0:?}")]
    Refused(RiskDecision),
    #[error("a bot check is required: {0:?}")]
    CaptchaRequired(RiskDecision),
    #[error("the bot check failed: {0:?}")]
    CaptchaFailed(RiskDecision),
    /// The bot check's service could not be asked, and this send may not go without it.
    #[error("the bot check is unavailable: {0}")]
    CaptchaUnavailable(BackendError),
    #[error("rate limited ({limit:?}) for {retry_after_secs}s")]
    Limited { limit: Limit, retry_after_secs: u32 },
    #[error(transparent)]
    Sms(SmsError),
    #[error(transparent)]
    Backend(BackendError),
    #[error("secure random source unavailable")]
    Random,
}

/// Everything send-otp needs from outside.
pub struct SendOtpDeps<'a, S, M, R, B> {
    pub store: &'a S,
    pub sms: &'a M,
    pub rng: &'a R,
    /// The bot check (Cloudflare Turnstile) a risky send may need.
    pub bot: &'a B,
    pub settings: &'a Settings,
    pub hmac_secret: &'a [u8],
}

pub async fn send_otp<S: OtpStore, M: CodeSender, R: SecureRandom, B: BotCheck>(
    deps: &SendOtpDeps<'_, S, M, R, B>,
    input: &SendOtpInput<'_>,
) -> Result<SendOtpOutput, SendOtpError> {
    let settings = deps.settings;
    let phone = PhoneNumber::parse(input.phone, settings.default_region)
        .map_err(SendOtpError::InvalidPhone)?;
    if !settings.may_send_to(phone.calling_code()) {
        return Err(SendOtpError::CountryNotAllowed);
    }
    let languages = languages(input)?;
    let channel =
        Channel::parse(input.channel.unwrap_or("sms")).map_err(SendOtpError::UnknownChannel)?;
    if !settings.channels.allows(channel) {
        return Err(SendOtpError::ChannelNotOffered(channel));
    }
    gate(
        deps.bot,
        settings,
        &phone,
        input.edge,
        input.captcha_token,
        input.client_ip,
    )
    .await?;
    let session = match input.session_id {
        Some(given) => SessionId::parse(given).map_err(SendOtpError::InvalidSession)?,
        None => SessionId::generate(deps.rng).map_err(|_| SendOtpError::Random)?,
    };
    let test_code = settings.test_code_for(&phone);
    let code = match test_code {
        Some(fixed) => OtpCode::trusted(fixed.to_owned()),
        None => OtpCode::trusted(
            uniform_digits(deps.rng, settings.code_length as usize)
                .map_err(|_| SendOtpError::Random)?,
        ),
    };
    let mac = purpose_mac(deps.hmac_secret, input.purpose, &phone, &session, &code);
    let bucket = client_address::bucket(input.client_ip, settings.ipv6_prefix_len);
    let request = IssueRequest {
        phone: &phone,
        session: &session,
        mac: &mac,
        client_ip: &bucket,
        settings,
    };
    match deps
        .store
        .issue(&request)
        .await
        .map_err(SendOtpError::Backend)?
    {
        IssueOutcome::Issued => {}
        IssueOutcome::Limited {
            limit,
            retry_after_secs,
        } => {
            return Err(SendOtpError::Limited {
                limit,
                retry_after_secs,
            })
        }
    }
    let channel = match test_code {
        Some(_) => channel,
        None => match deliver(deps.sms, settings, &phone, &code, channel, &languages).await {
            Ok(used) => used,
            Err(err) => {
                // Leave no code behind that nobody received, and let the user retry at once.
                // If even that fails, the code expires on its own within its TTL.
                let _ = deps.store.withdraw(&phone, &mac).await;
                return Err(SendOtpError::Sms(err));
            }
        },
    };
    Ok(SendOtpOutput {
        session_id: session,
        expires_in: settings.code_ttl_secs,
        resend_after: settings.resend_cooldown_secs,
        test_number: test_code.is_some(),
        channel,
    })
}

/// The languages the SMS may be written in, most preferred first: the body's `locale`, then
/// `Accept-Language`. A `locale` that is not a language tag is refused (a header is only read).
fn languages(input: &SendOtpInput<'_>) -> Result<Vec<String>, SendOtpError> {
    let mut languages = Vec::new();
    if let Some(locale) = input.locale {
        if !is_language_tag(&locale.to_ascii_lowercase()) {
            return Err(SendOtpError::InvalidLocale);
        }
        languages.push(locale.to_owned());
    }
    languages.extend(
        input
            .accept_language
            .map(accepted_languages)
            .unwrap_or_default(),
    );
    Ok(languages)
}

impl SendOtpError {
    pub fn problem(&self) -> Problem {
        let body = |code, message: &str| ErrorBody::new(code, message);
        match self {
            SendOtpError::InvalidPhone(why) => Problem::new(
                body(ErrorCode::InvalidPhone, "invalid phone number").with_details(why.to_string()),
            ),
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
            SendOtpError::CaptchaUnavailable(error) => Problem::new(super::backend_body(error)),
            SendOtpError::ChannelNotOffered(channel) => Problem::new(
                body(ErrorCode::InvalidRequest, "channel not offered")
                    .with_details(format!("codes are not sent by {} here", channel.as_str())),
            ),
            SendOtpError::Limited {
                limit,
                retry_after_secs,
            } => limited(*limit, *retry_after_secs),
            SendOtpError::Sms(_) => Problem::new(body(
                ErrorCode::SmsDeliveryFailed,
                "the code could not be sent",
            )),
            SendOtpError::Backend(error) => Problem::new(super::backend_body(error)),
            SendOtpError::Random => Problem::new(super::internal()),
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

mod deliver;
mod gate;
#[cfg(test)]
mod tests;
