//! The risk step of the in-memory OTP store: the calling code's and the network's records
//! (`risk::counters`), read, tripped and counted by source as `send_scope.lua`,
//! `send_refund.lua` and `record_login.lua` do.

use crate::config::settings::Settings;
use crate::domain::phone::PhoneNumber;
use crate::domain::risk::counters::ScopeCounts;
use crate::domain::risk::judge::RecordSignal;
use crate::ports::{Caller, UnixSeconds};
use std::collections::HashMap;

/// The records by key (`risk:{cc44}`, `risk:{as64500}`), and what each source added to a
/// record in a bucket (`(record, bucket, "s:as64500")`: its sends; `l:` its logins).
#[derive(Debug, Default)]
pub(super) struct RiskRecords {
    records: HashMap<String, ScopeCounts>,
    sources: HashMap<(String, i64, String), u32>,
}

/// The records a request counts in, each with the source it counts the caller as: the calling
/// code's by the caller's network (its address when the edge names none), the network's by
/// address.
fn scopes(phone: &PhoneNumber, client_ip: &str, caller: &Caller) -> Vec<(String, String)> {
    let address = format!("ip{client_ip}");
    let mut scopes = vec![(
        format!("risk:{{cc{}}}", phone.calling_code()),
        caller
            .asn
            .map_or_else(|| address.clone(), |asn| format!("as{asn}")),
    )];
    if let Some(asn) = caller.asn {
        scopes.push((format!("risk:{{as{asn}}}"), address));
    }
    scopes
}

impl RiskRecords {
    fn rolled(&self, key: &str, now: UnixSeconds, settings: &Settings) -> ScopeCounts {
        let window = settings.risk.counters.window_secs;
        self.records
            .get(key)
            .copied()
            .unwrap_or_default()
            .rolled(now, window)
    }

    /// What the calling code's record and the network's say of a send, tripping a breaker
    /// whose sends stopped converting (a trip is kept whatever becomes of the send).
    pub(super) fn signals(
        &mut self,
        phone: &PhoneNumber,
        client_ip: &str,
        caller: &Caller,
        settings: &Settings,
    ) -> (RecordSignal, Option<RecordSignal>) {
        let mut scopes = scopes(phone, client_ip, caller).into_iter();
        let (calling_code, _) = scopes.next().expect("a calling code's record");
        let calling_code = self.signal_of(&calling_code, caller.now, settings, 0);
        let volume = settings.risk.counters.asn_sends_per_window;
        let network = scopes
            .next()
            .map(|(network, _)| self.signal_of(&network, caller.now, settings, volume));
        (calling_code, network)
    }

    /// One record's signal, its trip saved.
    fn signal_of(
        &mut self,
        key: &str,
        now: UnixSeconds,
        settings: &Settings,
        volume_budget: u32,
    ) -> RecordSignal {
        let mut record = self.rolled(key, now, settings);
        let signal = record.signal(now, &settings.risk.counters, volume_budget);
        self.records.insert(key.to_owned(), record);
        signal
    }

    /// Counts `field` (`s` a send, `l` a login) of the request's source in each record, up to
    /// the source's cap per bucket; a login counts only in a record that exists.
    fn count(
        &mut self,
        field: &str,
        phone: &PhoneNumber,
        client_ip: &str,
        caller: &Caller,
        settings: &Settings,
    ) {
        let policy = &settings.risk.counters;
        for (key, source) in scopes(phone, client_ip, caller) {
            if field == "l" && !self.records.contains_key(&key) {
                continue;
            }
            let bucket = caller.now.div_euclid(i64::from(policy.window_secs));
            let added = self
                .sources
                .entry((key.clone(), bucket, format!("{field}:{source}")))
                .or_default();
            *added += 1;
            if *added > policy.source_cap {
                continue;
            }
            let record = match field {
                "s" => Some(self.rolled(&key, caller.now, settings)),
                _ => self.records.get(&key).copied(),
            };
            if let Some(mut record) = record {
                match field {
                    "s" => record.sends += 1,
                    _ => record.logins += 1,
                }
                self.records.insert(key, record);
            }
        }
    }

    /// Counts one send in the calling code's and the network's records.
    pub(super) fn count_send(
        &mut self,
        phone: &PhoneNumber,
        client_ip: &str,
        caller: &Caller,
        settings: &Settings,
    ) {
        self.count("s", phone, client_ip, caller, settings);
    }

    /// Counts one login in the records as they stand (not rolled: in the bucket of the latest
    /// send), where they exist.
    pub(super) fn count_login(
        &mut self,
        phone: &PhoneNumber,
        client_ip: &str,
        caller: &Caller,
        settings: &Settings,
    ) {
        self.count("l", phone, client_ip, caller, settings);
    }

    /// Takes back one send of a withdrawn code: from its source's count, and from the record
    /// when it was among those the cap let in.
    pub(super) fn uncount_send(
        &mut self,
        phone: &PhoneNumber,
        client_ip: &str,
        caller: &Caller,
        settings: &Settings,
    ) {
        let policy = &settings.risk.counters;
        let bucket = caller.now.div_euclid(i64::from(policy.window_secs));
        for (key, source) in scopes(phone, client_ip, caller) {
            let Some(added) = self
                .sources
                .get_mut(&(key.clone(), bucket, format!("s:{source}")))
                .filter(|n| **n > 0)
            else {
                continue;
            };
            let was_counted = *added <= policy.source_cap;
            *added -= 1;
            if let (true, Some(record)) = (was_counted, self.records.get_mut(&key)) {
                record.sends = (record.sends - 1).max(0);
            }
        }
    }
}
