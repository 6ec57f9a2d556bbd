//! The configured SMS provider as one [`SmsSender`], chosen per request from configuration.

use crate::config::SmsProvider;
use crate::platform::{WebCryptoRandom, WorkerClock};
use auth_adapters::sms::{ConsoleSms, TwilioSms, WebhookSms};
use auth_core::phone::PhoneNumber;
use auth_core::ports::{SmsError, SmsSender};
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
            } => Sms::Twilio(TwilioSms::new(api_base, account_sid, auth_token, from)),
        })
    }
}

impl SmsSender for Sms {
    async fn send(&self, to: &PhoneNumber, message: &str, code: &str) -> Result<(), SmsError> {
        match self {
            Sms::Console(sms) => sms.send(to, message, code).await,
            Sms::Webhook(sms) => sms.send(to, message, code).await,
            Sms::Twilio(sms) => sms.send(to, message, code).await,
        }
    }
}
