//! An SMS sender that records what it was given, and can be told to fail.

use crate::phone::PhoneNumber;
use crate::ports::{SmsError, SmsSender};
use std::cell::{Cell, RefCell};

/// One message as handed to the provider.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SentSms {
    pub to: String,
    pub message: String,
    pub code: String,
}

#[derive(Debug, Default)]
pub struct RecordingSms {
    sent: RefCell<Vec<SentSms>>,
    failing: Cell<bool>,
}

impl RecordingSms {
    /// From now on every send fails as a provider outage would.
    pub fn fail(&self) {
        self.failing.set(true);
    }

    pub fn sent(&self) -> Vec<SentSms> {
        self.sent.borrow().clone()
    }
}

impl SmsSender for RecordingSms {
    async fn send(&self, to: &PhoneNumber, message: &str, code: &str) -> Result<(), SmsError> {
        if self.failing.get() {
            return Err(SmsError("provider answered 503".into()));
        }
        self.sent.borrow_mut().push(SentSms {
            to: to.as_e164().to_owned(),
            message: message.to_owned(),
            code: code.to_owned(),
        });
        Ok(())
    }
}
