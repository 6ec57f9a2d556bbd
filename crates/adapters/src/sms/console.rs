//! The development provider: the message goes to the log. It is the one place a code is
//! allowed to be printed, and the configuration refuses it in production.

use auth_core::phone::PhoneNumber;
use auth_core::ports::{SmsError, SmsSender};

/// Writes each message through `sink` (the worker passes its console).
pub struct ConsoleSms<F: Fn(&str)> {
    sink: F,
}

impl<F: Fn(&str)> ConsoleSms<F> {
    pub fn new(sink: F) -> Self {
        Self { sink }
    }
}

impl<F: Fn(&str)> SmsSender for ConsoleSms<F> {
    async fn send(&self, to: &PhoneNumber, message: &str, _code: &str) -> Result<(), SmsError> {
        (self.sink)(&format!("[console sms] to {to}: {message}"));
        Ok(())
    }
}
