//! The OTP store on Redis, over the REST protocol, in Lua scripts that each touch the keys of
//! one Redis Cluster slot, so the same store runs on one Redis, on Upstash and on a cluster.
//!
//! Key layout (hash tags): every key of one phone shares `{+14155552671}`, so the phone's step
//! of a send and the whole check of a code are each one atomic script. The limits shared by
//! many phones live in slots of their own: the client address's counters (`{198.51.100.7}`),
//! the calling code's budget and risk record (`{cc44}`), the service's budget (`{global}`),
//! the network's risk record (`{as64500}`). A send runs all its steps in one pipeline and hands
//! back what was counted when one step refuses (`send.rs`); a check counts the address and
//! runs the phone's script in one pipeline, and the address's limit refuses only what the
//! script did not verify (`check.rs`). docs/redis-cluster.md states what the split lets a race
//! through.

mod check;
mod scripts;
mod send;
mod steps;

use super::script_reply::backend;
use super::UpstashRedis;
use auth_core::domain::account::UserId;
use auth_core::domain::phone::PhoneNumber;
use auth_core::ports::{
    BackendError, Caller, Counted, IssueOutcome, IssueRequest, OtpStore, VerifyOutcome,
    VerifyRequest, ACCOUNT_HINT_SECS,
};
pub use scripts::script_shas;
use scripts::WITHDRAW;
use steps::Eval;

/// The phone's key that names the account its last login reached.
const ACCOUNT_SUFFIX: &str = ":account";

/// Longest client bucket kept in a key (an IPv6 address is at most 45 characters, then `/64`).
const MAX_IP_LEN: usize = 49;

pub struct UpstashOtpStore<'a> {
    redis: &'a UpstashRedis,
    /// Prepended to every key: lets tests (and shared Redis instances) keep apart.
    prefix: String,
    /// Where the writes that may wait until after the answer go (a verified login's count in
    /// the risk records); without it the store sends them at once.
    later: Option<Box<Later<'a>>>,
}

/// Takes whole commands to send after the answer.
pub type Later<'a> = dyn Fn(Vec<Vec<String>>) + 'a;

impl<'a> UpstashOtpStore<'a> {
    pub fn new(redis: &'a UpstashRedis, prefix: impl Into<String>) -> Self {
        Self {
            redis,
            prefix: prefix.into(),
            later: None,
        }
    }

    /// Hands the writes that may wait (whole commands, each script with its source) to
    /// `later`, which sends them after the answer with other such writes: a login then costs
    /// the request one gateway call. A write lost there (the isolate gone first) is a login
    /// missing from the risk records, which can only make a breaker trip sooner.
    pub fn with_later(mut self, later: impl Fn(Vec<Vec<String>>) + 'a) -> Self {
        self.later = Some(Box::new(later));
        self
    }

    pub(super) fn later(&self) -> Option<&Later<'a>> {
        self.later.as_deref()
    }

    pub(super) fn phone_key(&self, phone: &PhoneNumber, suffix: &str) -> String {
        format!("{}otp:{{{}}}{suffix}", self.prefix, phone.as_e164())
    }

    pub(super) fn ip_key(&self, ip: &str, suffix: &str) -> String {
        format!("{}ip:{{{}}}{suffix}", self.prefix, clean_ip(ip))
    }

    /// The risk records a request counts in, each with the source it counts the caller as:
    /// the calling code's by the caller's network (its address when the edge names none), and,
    /// when the network is known, the network's by address.
    pub(super) fn risk_records(
        &self,
        phone: &PhoneNumber,
        client_ip: &str,
        caller: &Caller,
    ) -> (Record, Option<Record>) {
        let address = format!("ip{}", clean_ip(client_ip));
        let calling_code = Record {
            key: format!("{}risk:{{cc{}}}", self.prefix, phone.calling_code()),
            source: caller
                .asn
                .map_or_else(|| address.clone(), |asn| format!("as{asn}")),
        };
        let network = caller.asn.map(|asn| Record {
            key: format!("{}risk:{{as{asn}}}", self.prefix),
            source: address,
        });
        (calling_code, network)
    }

    /// A send budget: the calling code's (beside its risk record, under one tag) or `global`.
    pub(super) fn budget_key(&self, tag: &str) -> String {
        format!("{}budget:{{{tag}}}", self.prefix)
    }

    pub(super) fn redis(&self) -> &UpstashRedis {
        self.redis
    }

    pub(super) fn prefix(&self) -> &str {
        &self.prefix
    }
}

/// One risk record of a request, and the source the request counts as in it.
pub(super) struct Record {
    pub(super) key: String,
    pub(super) source: String,
}

impl Record {
    /// What each source added to the record in the bucket of `now` (a hash of the record's
    /// slot: field `s:as64500` its sends, `l:as64500` its logins).
    pub(super) fn sources(&self, now: i64, window: u32) -> String {
        format!("{}:src:{}", self.key, now.div_euclid(i64::from(window)))
    }
}

/// The sorted set of open breakers (member `calling_code:44` or `asn:64500`, score when it
/// closes), which `GET /metrics` reports.
pub fn open_breakers_key(prefix: &str) -> String {
    format!("{prefix}risk:{{breakers}}")
}

/// Client IPs come from a header: keep them short and to the characters IP addresses use.
fn clean_ip(ip: &str) -> &str {
    let ok = !ip.is_empty()
        && ip.len() <= MAX_IP_LEN
        && ip
            .bytes()
            .all(|b| b.is_ascii_hexdigit() || b"/.:".contains(&b));
    if ok {
        ip
    } else {
        "unknown"
    }
}

impl OtpStore for UpstashOtpStore<'_> {
    async fn issue(&self, r: &IssueRequest<'_>) -> Result<Counted<IssueOutcome>, BackendError> {
        send::issue(self, r).await
    }

    /// The code and its cooldown go in the phone's slot; then, only if it was still that code
    /// (a later send's code was counted by its own send), the send's count in the risk records
    /// is handed back in theirs. Two round trips, on a failed SMS only.
    async fn withdraw(&self, r: &IssueRequest<'_>) -> Result<(), BackendError> {
        let code = Eval::new(
            &WITHDRAW,
            vec![
                self.phone_key(r.phone, ""),
                self.phone_key(r.phone, ":cooldown"),
            ],
            vec![r.mac.to_owned()],
        );
        if steps::run_single(self.redis, &code).await? != 1 {
            return Ok(());
        }
        let (calling_code, network) = self.risk_records(r.phone, r.client_ip, &r.caller);
        let refunds: Vec<Eval> = std::iter::once(calling_code)
            .chain(network)
            .map(|record| Eval::refund_record(&record, None, r))
            .collect();
        for reply in steps::run_all(self.redis, &refunds).await? {
            reply.map_err(backend)?;
        }
        Ok(())
    }

    async fn verify(&self, r: &VerifyRequest<'_>) -> Result<Counted<VerifyOutcome>, BackendError> {
        check::verify(self, r).await
    }

    /// In the phone's slot, where `verify.lua` reads it; after the answer with the metrics
    /// where the store can, else at once. Lost with the isolate, or refused, it costs the
    /// number's next login the phone's claim, nothing else.
    async fn remember_account(&self, phone: &PhoneNumber, account: &UserId) {
        let set = vec![
            "SET".to_owned(),
            self.phone_key(phone, ACCOUNT_SUFFIX),
            account.as_str().to_owned(),
            "EX".to_owned(),
            ACCOUNT_HINT_SECS.to_string(),
        ];
        match self.later() {
            Some(later) => later(vec![set]),
            None => {
                let _ = self.redis.command(&set).await;
            }
        }
    }

    /// At once, not after the answer: the deletion's answer says the number is forgotten.
    async fn forget_account(&self, phone: &PhoneNumber) -> Result<(), BackendError> {
        let del = ["DEL".to_owned(), self.phone_key(phone, ACCOUNT_SUFFIX)];
        self.redis.command(&del).await.map(drop).map_err(backend)
    }
}

#[cfg(test)]
mod tests {
    use super::clean_ip;

    #[test]
    fn client_ips_outside_the_address_alphabet_become_unknown() {
        assert_eq!(clean_ip("203.0.113.9"), "203.0.113.9");
        assert_eq!(clean_ip("2001:db8::1"), "2001:db8::1");
        assert_eq!(clean_ip("2001:db8:aa:bb::/64"), "2001:db8:aa:bb::/64");
        assert_eq!(clean_ip("1.2.3.4}:x"), "unknown");
        assert_eq!(clean_ip(&"1".repeat(100)), "unknown");
        assert_eq!(clean_ip(""), "unknown");
    }
}
