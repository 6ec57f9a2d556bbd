//! The configured provider as one [`CodeSender`], chosen per request from configuration.

use crate::config::SmsProvider;
use crate::platform::{WebCryptoRandom, WorkerClock};
use auth_adapters::sms::{ConsoleSms, TwilioSms, WebhookSms};
use auth_core::ports::{CodeSender, OutgoingCode, SmsError};
use worker::console_log;

pub enum Sms {
    Console(ConsoleSms<fn(&str)>),
    Webhook(WebhookSms<'static, WorkerClock, WebCryptoRandom>),
    Twilio(TwilioSms),
}

static CLOCK: WorkerClock = WorkerClock;
static RANDOM: WebCryptoRandom = WebCryptoRandom;

fn print(line: &str) {
    console_log!("{line}");
}

impl Sms {
    pub fn from_config(provider: &SmsProvider) -> Result<Self, String> {
        Ok(match provider {
            SmsProvider::Console => Sms::Console(ConsoleSms::new(print as fn(&str))),
            SmsProvider::Webhook { url, secret } => {
                Sms::Webhook(WebhookSms::new(url, secret, &CLOCK, &RANDOM)?)
            }
            SmsProvider::Twilio {
                api_base,
                account_sid,
                auth_token,
                from,
                whatsapp_from,
                whatsapp_content_sid,
                voice_from,
            } => {
                let mut twilio = TwilioSms::new(api_base, account_sid, auth_token, from);
                if let Some(whatsapp) = whatsapp_from {
                    twilio = twilio.with_whatsapp(whatsapp, whatsapp_content_sid.as_deref());
                }
                if let Some(voice) = voice_from {
                    twilio = twilio.with_voice_from(voice);
                }
                Sms::Twilio(twilio)
            }
        })
    }
}

impl CodeSender for Sms {
    async fn send(&self, out: &OutgoingCode<'_>) -> Result<(), SmsError> {
        match self {
            Sms::Console(sms) => sms.send(out).await,
            Sms::Webhook(sms) => sms.send(out).await,
            Sms::Twilio(sms) => sms.send(out).await,
        }
    }
}
