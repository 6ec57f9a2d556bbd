//! Keys as the in-memory OTP store holds them, like Redis: a value and when it expires, read
//! and counted the way the Lua scripts do.

use crate::ports::UnixSeconds;
use std::collections::HashMap;

#[derive(Debug, Clone)]
pub(super) enum Value {
    Counter(i64),
    Flag,
    /// The account a number's last login reached (`remember_account`).
    Account(crate::domain::account::UserId),
    Code {
        mac: String,
        session: String,
        attempts: u32,
    },
}

/// Keys as Redis holds them: a value and when it expires.
#[derive(Debug, Default)]
pub(super) struct Keys(pub(super) HashMap<String, (Value, Option<UnixSeconds>)>);

impl Keys {
    pub(super) fn live(&mut self, key: &str, now: UnixSeconds) -> Option<&mut Value> {
        if matches!(self.0.get(key), Some((_, Some(at))) if *at <= now) {
            self.0.remove(key);
        }
        self.0.get_mut(key).map(|(v, _)| v)
    }

    pub(super) fn exists(&mut self, key: &str, now: UnixSeconds) -> bool {
        self.live(key, now).is_some()
    }

    /// Redis' TTL as the scripts read it: at least one second.
    pub(super) fn ttl(&self, key: &str, now: UnixSeconds) -> u32 {
        let left = self
            .0
            .get(key)
            .and_then(|(_, at)| *at)
            .map_or(1, |at| at - now);
        left.max(1) as u32
    }

    pub(super) fn count(&mut self, key: &str, now: UnixSeconds) -> i64 {
        match self.live(key, now) {
            Some(Value::Counter(n)) => *n,
            _ => 0,
        }
    }

    /// INCR, with the expiry set when the counter is new (as the scripts do).
    pub(super) fn incr(&mut self, key: &str, window: u32, now: UnixSeconds) -> i64 {
        let n = self.count(key, now) + 1;
        let expiry = match self.0.get(key) {
            Some((_, at)) if n > 1 => *at,
            _ => Some(now + i64::from(window)),
        };
        self.0.insert(key.to_owned(), (Value::Counter(n), expiry));
        n
    }

    pub(super) fn set(&mut self, key: &str, value: Value, secs: u32, now: UnixSeconds) {
        self.0
            .insert(key.to_owned(), (value, Some(now + i64::from(secs))));
    }

    pub(super) fn del(&mut self, key: &str) {
        self.0.remove(key);
    }
}
