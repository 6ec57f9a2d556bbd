//! `POST /api/v1/auth/send-otp`: validate, limit, make a code bound to a session, store only its
//! MAC, hand the code to the provider on the asked channel (SMS, WhatsApp or voice; the
//! configured fallbacks after it, `deliver.rs`).
//!
//! It never looks at the user table, so its answer and its timing are the same whether or not
//! the phone has an account.

use crate::config::settings::Settings;
use crate::domain::client_address;
use crate::domain::delivery::sms_text::{accepted_languages, is_language_tag};
use crate::domain::delivery::{Channel, UnknownChannel};
use crate::domain::edge::EdgeSignals;
use crate::domain::otp::{purpose_mac, CodePurpose, OtpCode};
use crate::domain::phone::PhoneNumber;
use crate::domain::quota::Quota;
use crate::domain::risk::RiskDecision;
use crate::domain::secrets::uniform_digits;
use crate::domain::session::{MalformedSessionId, SessionId};
use crate::ports::{
    BackendError, BotCheck, Caller, Clock, CodeSender, IssueOutcome, IssueRequest, Limit, OtpStore,
    SecureRandom, SmsError,
};
pub(crate) use answer::limited;
use deliver::deliver;
use gate::{after_counters, gate, with_hit, with_signals, Asked};

/// What the client sent.
pub struct SendOtpInput<'a> {
    /// The number, parsed at the edge.
    pub phone: &'a PhoneNumber,
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
    /// What the edge says about the caller (`crate::domain::edge`).
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
    /// The number's calling code, for the metrics.
    pub calling_code: u16,
    /// The caller's limit closest to refusing, for the RateLimit header fields.
    pub quota: Option<Quota>,
    /// The risk decision the send went ahead with (its signals, for the metrics).
    pub decision: RiskDecision,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SendOtpError {
    /// A number change's code to a number of another data region.
    #[error("the number belongs to another data region")]
    OtherRegion,
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
    Limited {
        limit: Limit,
        retry_after_secs: u32,
        quota: Option<Quota>,
    },
    #[error(transparent)]
    Sms(SmsError),
    #[error(transparent)]
    Backend(BackendError),
    #[error("secure random source unavailable")]
    Random,
}

/// Everything send-otp needs from outside.
pub struct SendOtpDeps<'a, S, M, R, B, C> {
    pub store: &'a S,
    pub sms: &'a M,
    pub rng: &'a R,
    /// The send's time, for the risk counters' buckets.
    pub clock: &'a C,
    /// The bot check (Cloudflare Turnstile) a risky send may need.
    pub bot: &'a B,
    pub settings: &'a Settings,
    pub hmac_secret: &'a [u8],
}

pub async fn send_otp<S: OtpStore, M: CodeSender, R: SecureRandom, B: BotCheck, C: Clock>(
    deps: &SendOtpDeps<'_, S, M, R, B, C>,
    input: &SendOtpInput<'_>,
) -> Result<SendOtpOutput, SendOtpError> {
    let settings = deps.settings;
    let phone = input.phone;
    if !settings.may_send_to(phone.calling_code()) {
        return Err(SendOtpError::CountryNotAllowed);
    }
    let languages = languages(input)?;
    let channel =
        Channel::parse(input.channel.unwrap_or("sms")).map_err(SendOtpError::UnknownChannel)?;
    if !settings.channels.allows(channel) {
        return Err(SendOtpError::ChannelNotOffered(channel));
    }
    let asked = Asked {
        phone,
        edge: input.edge,
        captcha_token: input.captcha_token,
        client_ip: input.client_ip,
    };
    let mut passed = gate(deps.bot, settings, &asked).await?;
    let session = match input.session_id {
        Some(given) => SessionId::parse(given).map_err(SendOtpError::InvalidSession)?,
        None => SessionId::generate(deps.rng).map_err(|_| SendOtpError::Random)?,
    };
    let test_code = settings.test_code_for(phone);
    let code = match test_code {
        Some(fixed) => OtpCode::trusted(fixed.to_owned()),
        None => OtpCode::trusted(
            uniform_digits(deps.rng, settings.code_length as usize)
                .map_err(|_| SendOtpError::Random)?,
        ),
    };
    let mac = purpose_mac(deps.hmac_secret, input.purpose, phone, &session, &code);
    let bucket = client_address::bucket(input.client_ip, settings.ipv6_prefix_len);
    let mut request = IssueRequest {
        phone,
        session: &session,
        mac: &mac,
        client_ip: &bucket,
        caller: Caller {
            asn: input.edge.asn,
            human: passed.human,
            now: deps.clock.now(),
        },
        settings,
    };
    // At most two tries: the second only after the counters asked for a bot check and the
    // caller passed it, so it goes as `human` and they do not ask again.
    let quota = loop {
        request.caller.human = passed.human;
        let counted = deps
            .store
            .issue(&request)
            .await
            .map_err(SendOtpError::Backend)?;
        match counted.outcome {
            IssueOutcome::Issued => {
                passed.decision = with_signals(passed.decision, counted.signals, &asked);
                break counted.quota;
            }
            IssueOutcome::Limited {
                limit,
                retry_after_secs,
            } => {
                return Err(SendOtpError::Limited {
                    limit,
                    retry_after_secs,
                    quota: counted.quota,
                })
            }
            IssueOutcome::Risky(hit) if !passed.human => {
                passed = after_counters(deps.bot, settings, passed.decision, hit, &asked).await?;
            }
            IssueOutcome::Risky(hit) => {
                // Only a refusal stops a caller who passed the check.
                let decision = with_hit(passed.decision, hit, &asked);
                return Err(SendOtpError::Refused(decision));
            }
        }
    };
    let channel = match test_code {
        Some(_) => channel,
        None => match deliver(
            deps.sms,
            settings,
            phone,
            &code,
            channel,
            &languages,
            input.purpose,
        )
        .await
        {
            Ok(used) => used,
            Err(err) => {
                // Leave no code behind that nobody received, and let the user retry at once.
                // If even that fails, the code expires on its own within its TTL.
                let _ = deps.store.withdraw(&request).await;
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
        calling_code: phone.calling_code(),
        quota,
        decision: passed.decision,
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

mod answer;
mod deliver;
mod gate;
#[cfg(test)]
mod tests;
