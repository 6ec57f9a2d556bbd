//! The development provider: the message goes to the log. It is the one place a code is
//! allowed to be printed, and the configuration refuses it in production.

use auth_core::ports::{CodeSender, OutgoingCode, SmsError};

/// Writes each message through `sink` (the worker passes its console).
pub struct ConsoleSms<F: Fn(&str)> {
    sink: F,
}

impl<F: Fn(&str)> ConsoleSms<F> {
    pub fn new(sink: F) -> Self {
        Self { sink }
    }
}

impl<F: Fn(&str)> CodeSender for ConsoleSms<F> {
    async fn send(&self, out: &OutgoingCode<'_>) -> Result<(), SmsError> {
        let (channel, to, text) = (out.channel.as_str(), out.to, out.text);
        (self.sink)(&format!("[console {channel}] to {to}: {text}"));
        Ok(())
    }
}
