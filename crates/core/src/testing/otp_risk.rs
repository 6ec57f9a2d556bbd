//! The risk step of the in-memory OTP store: the calling code's and the network's records
//! (`risk::counters`), judged and counted as `send_scope.lua` and `record_login.lua` do.

use crate::phone::PhoneNumber;
use crate::ports::{Caller, CounterHit, UnixSeconds};
use crate::risk::counters::{ScopeCounts, Verdict};
use crate::risk::{Action, RiskReason};
use crate::settings::Settings;
use std::collections::HashMap;

/// The records by key (`risk:{cc44}`, `risk:{as64500}`).
#[derive(Debug, Default)]
pub(super) struct RiskRecords(HashMap<String, ScopeCounts>);

fn calling_code_key(phone: &PhoneNumber) -> String {
    format!("risk:{{cc{}}}", phone.calling_code())
}

fn asn_key(asn: u32) -> String {
    format!("risk:{{as{asn}}}")
}

/// The records a send or a login counts in: its calling code's, and its network's if known.
fn scope_keys(phone: &PhoneNumber, caller: &Caller) -> impl Iterator<Item = String> {
    std::iter::once(calling_code_key(phone)).chain(caller.asn.map(asn_key))
}

impl RiskRecords {
    fn rolled(&self, key: &str, now: UnixSeconds, settings: &Settings) -> ScopeCounts {
        let window = settings.risk.counters.window_secs;
        self.0
            .get(key)
            .copied()
            .unwrap_or_default()
            .rolled(now, window)
    }

    /// The counters' verdict on a send: `Err` stops it (nothing counted, trips kept).
    pub(super) fn judge(
        &mut self,
        phone: &PhoneNumber,
        caller: &Caller,
        settings: &Settings,
    ) -> Result<(), CounterHit> {
        let now = caller.now;
        let policy = &settings.risk.counters;
        let asks = |action: Action| {
            let action = settings.captcha.counter_action(action);
            let skipped = action == Action::Allow || (action == Action::Challenge && caller.human);
            (!skipped).then_some(action)
        };
        let cc_key = calling_code_key(phone);
        let asn_key = caller.asn.map(asn_key);
        let mut cc = self.rolled(&cc_key, now, settings);
        let mut asn = asn_key.as_ref().map(|k| self.rolled(k, now, settings));
        let mut hits: Vec<(Action, RiskReason, u32)> = Vec::new();
        let (mut tripped_cc, mut tripped_asn) = (false, false);
        if let Some(action) = asks(policy.breaker) {
            if let Verdict::Breaker {
                retry_after_secs,
                tripped,
            } = cc.breaker(now, policy)
            {
                hits.push((action, RiskReason::CallingCodeBreaker, retry_after_secs));
                tripped_cc = tripped;
            }
            if let Some(Verdict::Breaker {
                retry_after_secs,
                tripped,
            }) = asn.as_mut().map(|r| r.breaker(now, policy))
            {
                hits.push((action, RiskReason::AsnBreaker, retry_after_secs));
                tripped_asn = tripped;
            }
        }
        if let (Some(action), Some(record)) = (asks(policy.asn_volume), asn.as_ref()) {
            let budget = policy.asn_sends_per_window;
            if let Verdict::Volume { retry_after_secs } =
                record.volume(now, policy.window_secs, budget)
            {
                hits.push((action, RiskReason::AsnVolume, retry_after_secs));
            }
        }
        self.0.insert(cc_key, cc);
        if let (Some(key), Some(record)) = (asn_key, asn) {
            self.0.insert(key, record);
        }
        // The strictest hit decides; among equals, the first (the calling code's).
        let Some(&(action, reason, retry_after_secs)) =
            hits.iter().rev().max_by_key(|(action, _, _)| *action)
        else {
            return Ok(());
        };
        Err(CounterHit {
            action,
            reason,
            retry_after_secs,
            tripped_calling_code: tripped_cc,
            tripped_asn,
        })
    }

    /// Counts one send in the calling code's and the network's records.
    pub(super) fn count_send(&mut self, phone: &PhoneNumber, caller: &Caller, settings: &Settings) {
        for key in scope_keys(phone, caller) {
            let mut record = self.rolled(&key, caller.now, settings);
            record.sends += 1;
            self.0.insert(key, record);
        }
    }

    /// Takes back one send of a withdrawn code from the records as they stand.
    pub(super) fn uncount_send(&mut self, phone: &PhoneNumber, caller: &Caller) {
        for key in scope_keys(phone, caller) {
            if let Some(record) = self.0.get_mut(&key) {
                record.sends = (record.sends - 1).max(0);
            }
        }
    }

    /// Counts one login in the records as they stand (not rolled: in the bucket of the latest
    /// send), where they exist.
    pub(super) fn count_login(&mut self, phone: &PhoneNumber, caller: &Caller) {
        for key in scope_keys(phone, caller) {
            if let Some(record) = self.0.get_mut(&key) {
                record.logins += 1;
            }
        }
    }
}
