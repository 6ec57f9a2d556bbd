//! Handing a code to the provider: on the asked channel, then on each configured fallback
//! (`OTP_CHANNEL_FALLBACK`) while the provider refuses. Each channel has its own words: the
//! SMS template for SMS and WhatsApp, the code read digit by digit twice for a call.

use crate::config::settings::Settings;
use crate::domain::delivery::voice_text;
use crate::domain::delivery::Channel;
use crate::domain::otp::{CodePurpose, OtpCode};
use crate::domain::phone::PhoneNumber;
use crate::ports::{CodeSender, OutgoingCode, SmsError};

/// The channel the provider accepted the code on; the last refusal when none did.
pub(super) async fn deliver<M: CodeSender>(
    sender: &M,
    settings: &Settings,
    to: &PhoneNumber,
    code: &OtpCode,
    asked: Channel,
    languages: &[String],
    purpose: CodePurpose<'_>,
) -> Result<Channel, SmsError> {
    let message = settings.message_for(purpose, code.as_str(), languages);
    let changing = matches!(purpose, CodePurpose::ChangeNumber(_));
    let (spoken, locale) = voice_text::spoken(code.as_str(), languages, changing);
    let mut refused = None;
    for channel in settings.channels.attempts(asked) {
        let outgoing = match channel {
            Channel::Sms | Channel::Whatsapp => OutgoingCode {
                to,
                channel,
                text: &message,
                code: Some(code.as_str()),
                voice_locale: None,
            },
            Channel::Voice => OutgoingCode {
                to,
                channel,
                text: &spoken,
                code: Some(code.as_str()),
                voice_locale: Some(locale),
            },
        };
        match sender.send(&outgoing).await {
            Ok(()) => return Ok(channel),
            Err(error) => refused = Some(error),
        }
    }
    Err(refused.expect("at least the asked channel was tried"))
}
