//! A code sender that records what it was given, and can be told to fail (on every channel, or
//! on some).

use crate::domain::delivery::Channel;
use crate::ports::{CodeSender, OutgoingCode, SmsError};
use std::cell::{Cell, RefCell};

/// One code as handed to the provider.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SentSms {
    pub to: String,
    pub channel: Channel,
    pub message: String,
    /// `None` for a notice.
    pub code: Option<String>,
    pub voice_locale: Option<String>,
}

#[derive(Debug, Default)]
pub struct RecordingSms {
    sent: RefCell<Vec<SentSms>>,
    failing: Cell<bool>,
    failing_channels: RefCell<Vec<Channel>>,
}

impl RecordingSms {
    /// From now on every send fails as a provider outage would.
    pub fn fail(&self) {
        self.failing.set(true);
    }

    /// From now on sends on `channel` fail.
    pub fn fail_on(&self, channel: Channel) {
        self.failing_channels.borrow_mut().push(channel);
    }

    pub fn sent(&self) -> Vec<SentSms> {
        self.sent.borrow().clone()
    }
}

impl CodeSender for RecordingSms {
    async fn send(&self, out: &OutgoingCode<'_>) -> Result<(), SmsError> {
        if self.failing.get() || self.failing_channels.borrow().contains(&out.channel) {
            return Err(SmsError("provider answered 503".into()));
        }
        self.sent.borrow_mut().push(SentSms {
            to: out.to.as_e164().to_owned(),
            channel: out.channel,
            message: out.text.to_owned(),
            code: out.code.map(str::to_owned),
            voice_locale: out.voice_locale.map(str::to_owned),
        });
        Ok(())
    }
}
