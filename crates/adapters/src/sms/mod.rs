//! Code providers behind the [`CodeSender`](auth_core::ports::CodeSender) port, chosen by
//! config, each for every channel (SMS, WhatsApp, voice):
//! - [`ConsoleSms`]: prints the message (and so the code) to the log; development only.
//! - [`WebhookSms`]: POSTs JSON to a URL, signed per the Standard Webhooks scheme.
//! - [`TwilioSms`]: the Twilio Messages API (SMS, WhatsApp) and Calls API (voice).

mod console;
mod twilio;
mod webhook;

pub use console::ConsoleSms;
pub use twilio::TwilioSms;
pub use webhook::{sign_webhook, WebhookSms};

/// How long a provider may take to accept a message.
pub const SEND_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(5);

/// A transport error without the URL, which may carry credentials.
pub(crate) fn describe(err: &reqwest::Error) -> String {
    if err.is_timeout() {
        "timed out".to_owned()
    } else {
        "request failed".to_owned()
    }
}
