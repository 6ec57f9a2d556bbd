//! A bot check that answers from a fixed list: the tokens it accepts, and whether its service
//! is down. It records what it was asked.

use crate::ports::{BackendError, BotCheck, BotVerdict};
use std::cell::{Cell, RefCell};

#[derive(Debug, Default)]
pub struct FixedBotCheck {
    accepted: Vec<String>,
    down: Cell<bool>,
    asked: RefCell<Vec<(String, Option<String>)>>,
}

impl FixedBotCheck {
    /// Accepts exactly these tokens.
    pub fn accepting(tokens: &[&str]) -> Self {
        Self {
            accepted: tokens.iter().map(|t| (*t).to_owned()).collect(),
            ..Self::default()
        }
    }

    /// From now on the service cannot be asked.
    pub fn go_down(&self) {
        self.down.set(true);
    }

    /// Every (token, address) it was asked about, oldest first.
    pub fn asked(&self) -> Vec<(String, Option<String>)> {
        self.asked.borrow().clone()
    }
}

impl BotCheck for FixedBotCheck {
    async fn verify(
        &self,
        token: &str,
        remote_ip: Option<&str>,
    ) -> Result<BotVerdict, BackendError> {
        self.asked
            .borrow_mut()
            .push((token.to_owned(), remote_ip.map(str::to_owned)));
        if self.down.get() {
            return Err(BackendError::Unavailable("bot check answered 503".into()));
        }
        Ok(match self.accepted.iter().any(|t| t == token) {
            true => BotVerdict::Human,
            false => BotVerdict::NotHuman,
        })
    }
}
