//! The risk counters of a send: how many codes went to a calling code and from a network (ASN)
//! in the recent window, how many of them turned into logins, and the circuit breaker that
//! stops a scope whose sends stopped converting (SMS pumping sends codes nobody types in).
//!
//! The store keeps each scope in one record ([`ScopeCounts`]: two fixed buckets and the
//! breaker), read and written in one atomic step (on Redis, the scope's own step of the send).
//! What the signals then do to the send is [`super::judge`]'s rule.
//!
//! One source cannot move a record: each adds at most `RISK_SOURCE_CAP` sends, and as many
//! logins, to it per window. A calling code's record counts by network (the caller's ASN, its
//! address when the edge names none), a network's by address. So a thousand addresses of one
//! network weigh in a calling code's record as one network does, and one address that logs in
//! again and again cannot hold a network's conversion up.
//! The arithmetic lives here so the in-memory store and the Lua scripts (`auth_adapters`'
//! `upstash/scripts/send_scope.lua` and `risk.lua`, which repeat it) can be held to one
//! behaviour by the OTP store's contract suite.
//!
//! The window slides: the estimate over the last `window` seconds is the current bucket plus
//! the previous one weighted by how much of it still lies inside the window (the sliding
//! window counter of Cloudflare's rate limiting). Every product is an integer scaled by the
//! window, so Lua's doubles and Rust's integers agree exactly.

use super::judge::RecordSignal;
use super::Action;
use crate::config::values::whole_number;

/// The counters' settings (`RISK_*`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CounterPolicy {
    /// `RISK_WINDOW_SECONDS` (default 600): the window sends and logins are counted in.
    pub window_secs: u32,
    /// `RISK_BREAKER` (default `challenge`): what an open breaker does to a send.
    pub breaker: Action,
    /// `RISK_BREAKER_MIN_SENDS` (default 20): fewer sends in the window never trip it.
    pub breaker_min_sends: u32,
    /// `RISK_BREAKER_MIN_CONVERSION_PERCENT` (default 20): logins per 100 sends below which
    /// the breaker trips. Ordinary traffic converts at 60% or more.
    pub breaker_min_conversion_percent: u32,
    /// `RISK_BREAKER_COOLOFF_SECONDS` (default 900): how long a tripped breaker stays open;
    /// it then closes by itself with fresh counts, so it trips again only on new evidence.
    pub breaker_cooloff_secs: u32,
    /// `RISK_ASN_SENDS_PER_WINDOW` (default 0, off): sends from one network in the window
    /// beyond which `RISK_ASN_VOLUME` applies. Off by default because one mobile carrier's
    /// network carries many ordinary users behind few addresses.
    pub asn_sends_per_window: u32,
    /// `RISK_ASN_VOLUME` (default `challenge`).
    pub asn_volume: Action,
    /// `RISK_SOURCE_CAP` (default 3): the sends, and the logins, one source adds to a record
    /// in a window.
    pub source_cap: u32,
    /// `RISK_RETURNING_DAYS` (default 90), in seconds: how long after its last login a number
    /// is a returning user's, whose sends the counters never stop.
    pub returning_secs: u32,
}

impl Default for CounterPolicy {
    fn default() -> Self {
        Self {
            window_secs: 600,
            breaker: Action::Challenge,
            breaker_min_sends: 20,
            breaker_min_conversion_percent: 20,
            breaker_cooloff_secs: 900,
            asn_sends_per_window: 0,
            asn_volume: Action::Challenge,
            source_cap: 3,
            returning_secs: 90 * 86_400,
        }
    }
}

impl CounterPolicy {
    /// From the settings (`get` returns a setting by name).
    pub fn from_lookup(get: &impl Fn(&str) -> Option<String>) -> Result<Self, String> {
        let d = Self::default();
        let number = |name: &str, default: u32, min: u32, max: u32| {
            whole_number(get, name, default, min..=max)
        };
        let action = |name: &str, default| Action::parse(name, get(name).as_deref(), default);
        Ok(Self {
            window_secs: number("RISK_WINDOW_SECONDS", d.window_secs, 1, 86_400)?,
            breaker: action("RISK_BREAKER", d.breaker)?,
            breaker_min_sends: number("RISK_BREAKER_MIN_SENDS", d.breaker_min_sends, 1, 1_000_000)?,
            breaker_min_conversion_percent: number(
                "RISK_BREAKER_MIN_CONVERSION_PERCENT",
                d.breaker_min_conversion_percent,
                1,
                100,
            )?,
            breaker_cooloff_secs: number(
                "RISK_BREAKER_COOLOFF_SECONDS",
                d.breaker_cooloff_secs,
                1,
                86_400,
            )?,
            asn_sends_per_window: number("RISK_ASN_SENDS_PER_WINDOW", 0, 0, 100_000_000)?,
            asn_volume: action("RISK_ASN_VOLUME", d.asn_volume)?,
            source_cap: number("RISK_SOURCE_CAP", d.source_cap, 1, 1_000_000)?,
            returning_secs: number("RISK_RETURNING_DAYS", 90, 0, 3_650)? * 86_400,
        })
    }
}

/// Which counter scope: the number's calling code, or the caller's network.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    CallingCode,
    Asn,
}

impl Scope {
    /// The label of metrics, logs and the store's record of open breakers.
    pub const fn as_str(self) -> &'static str {
        match self {
            Scope::CallingCode => "calling_code",
            Scope::Asn => "asn",
        }
    }
}

/// One scope's record: the current and the previous bucket (`bucket` is the current one's
/// index, `now / window`) and when an open breaker closes (0: closed).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ScopeCounts {
    pub bucket: i64,
    pub sends: i64,
    pub logins: i64,
    pub prev_sends: i64,
    pub prev_logins: i64,
    pub open_until: i64,
}

/// What the counters say about one unverified send in one scope.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Pass,
    /// The breaker is open until `retry_after_secs` from now; `tripped` when this send
    /// tripped it.
    Breaker {
        retry_after_secs: u32,
        tripped: bool,
    },
    /// The scope's sends in the window reached the volume budget.
    Volume {
        retry_after_secs: u32,
    },
}

impl ScopeCounts {
    /// The record moved to the bucket of `now`: the current bucket becomes the previous one
    /// when `now` is in the next bucket; both empty after a longer gap.
    pub fn rolled(self, now: i64, window: u32) -> Self {
        let bucket = now.div_euclid(i64::from(window));
        if bucket == self.bucket {
            return self;
        }
        let (prev_sends, prev_logins) = if bucket == self.bucket + 1 {
            (self.sends, self.logins)
        } else {
            (0, 0)
        };
        Self {
            bucket,
            sends: 0,
            logins: 0,
            prev_sends,
            prev_logins,
            open_until: self.open_until,
        }
    }

    /// Sends and logins over the last window, each times `window` (exact integers): the
    /// previous bucket counts for the part of it still inside the window. `self` is rolled.
    pub fn estimate_scaled(&self, now: i64, window: u32) -> (i64, i64) {
        let window = i64::from(window);
        let left = window - (now - self.bucket * window);
        (
            self.prev_sends * left + self.sends * window,
            self.prev_logins * left + self.logins * window,
        )
    }

    /// The breaker's verdict on an unverified send (rolled record): open, tripping now (the
    /// record then holds the open breaker and empty buckets), or pass.
    pub fn breaker(&mut self, now: i64, policy: &CounterPolicy) -> Verdict {
        if self.open_until > now {
            return Verdict::Breaker {
                retry_after_secs: (self.open_until - now) as u32,
                tripped: false,
            };
        }
        let window = policy.window_secs;
        let (sends, logins) = self.estimate_scaled(now, window);
        let enough = sends >= i64::from(policy.breaker_min_sends) * i64::from(window);
        let converting = logins * 100 >= sends * i64::from(policy.breaker_min_conversion_percent);
        if !enough || converting {
            return Verdict::Pass;
        }
        *self = Self {
            bucket: self.bucket,
            open_until: now + i64::from(policy.breaker_cooloff_secs),
            ..Self::default()
        };
        Verdict::Breaker {
            retry_after_secs: policy.breaker_cooloff_secs,
            tripped: true,
        }
    }

    /// What the record says of a send (rolled record): its breaker (tripping it when the sends
    /// stopped converting) and, with a `volume_budget`, the network's volume.
    pub fn signal(&mut self, now: i64, policy: &CounterPolicy, volume_budget: u32) -> RecordSignal {
        let (breaker_open_secs, tripped) = match self.breaker(now, policy) {
            Verdict::Breaker {
                retry_after_secs,
                tripped,
            } => (Some(retry_after_secs), tripped),
            _ => (None, false),
        };
        let volume_spent_secs = match self.volume(now, policy.window_secs, volume_budget) {
            Verdict::Volume { retry_after_secs } => Some(retry_after_secs),
            _ => None,
        };
        RecordSignal {
            breaker_open_secs,
            tripped,
            volume_spent_secs,
        }
    }

    /// The volume verdict of `budget` sends per window (0: no budget), on a rolled record.
    pub fn volume(&self, now: i64, window: u32, budget: u32) -> Verdict {
        let (sends, _) = self.estimate_scaled(now, window);
        if budget == 0 || sends < i64::from(budget) * i64::from(window) {
            return Verdict::Pass;
        }
        let into_bucket = now - self.bucket * i64::from(window);
        Verdict::Volume {
            retry_after_secs: (i64::from(window) - into_bucket).max(1) as u32,
        }
    }
}

#[cfg(test)]
mod tests;
