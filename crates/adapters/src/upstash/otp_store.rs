//! The OTP store on Redis, over the REST protocol: each operation is one Lua script, so one
//! round trip and one atomic step.
//!
//! Key layout: every key of one phone shares the hash tag `{+14155552671}`, so each script's
//! phone keys live in one Redis Cluster slot. Client-address counters are tagged by the address
//! (an IPv6 prefix), the send budgets by country or `global`. The scripts also touch those
//! counters, which is fine on a single Redis and on Upstash; on a Redis Cluster those checks
//! would move to their own commands in the same pipeline.

use super::script_reply::{
    action_name, backend, flag, hit_of, limit_of, outcome_of, quota_of, run,
};
use super::UpstashRedis;
use auth_core::phone::PhoneNumber;
use auth_core::ports::{
    BackendError, Caller, Counted, IssueOutcome, IssueRequest, OtpStore, VerifyOutcome,
    VerifyRequest,
};

// The risk records' functions are prepended to the script that judges them.
const ISSUE: &str = concat!(
    include_str!("scripts/risk.lua"),
    include_str!("scripts/issue.lua")
);
const VERIFY: &str = include_str!("scripts/verify.lua");
const WITHDRAW: &str = include_str!("scripts/withdraw.lua");

/// Longest client bucket kept in a key (an IPv6 address is at most 45 characters, then `/64`).
const MAX_IP_LEN: usize = 49;

pub struct UpstashOtpStore<'a> {
    redis: &'a UpstashRedis,
    /// Prepended to every key: lets tests (and shared Redis instances) keep apart.
    prefix: String,
}

impl<'a> UpstashOtpStore<'a> {
    pub fn new(redis: &'a UpstashRedis, prefix: impl Into<String>) -> Self {
        Self {
            redis,
            prefix: prefix.into(),
        }
    }

    fn phone_key(&self, phone: &PhoneNumber, suffix: &str) -> String {
        format!("{}otp:{{{}}}{suffix}", self.prefix, phone.as_e164())
    }

    fn ip_key(&self, ip: &str, suffix: &str) -> String {
        format!("{}ip:{{{}}}{suffix}", self.prefix, clean_ip(ip))
    }

    /// The risk records of the number's calling code and the caller's network (a key that is
    /// never written when the network is unknown: the scripts are told so).
    fn risk_keys(&self, phone: &PhoneNumber, caller: &Caller) -> [String; 2] {
        [
            format!("{}risk:{{cc{}}}", self.prefix, phone.calling_code()),
            format!("{}risk:{{as{}}}", self.prefix, caller.asn.unwrap_or(0)),
        ]
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
        let s = r.settings;
        let [cc_record, asn_record] = self.risk_keys(r.phone, &r.caller);
        let keys = [
            self.phone_key(r.phone, ""),
            self.phone_key(r.phone, ":cooldown"),
            self.phone_key(r.phone, ":window"),
            self.phone_key(r.phone, ":day"),
            self.phone_key(r.phone, ":lock"),
            self.ip_key(r.client_ip, ":send"),
            format!("{}budget:{{cc{}}}", self.prefix, r.phone.calling_code()),
            format!("{}budget:{{global}}", self.prefix),
            cc_record,
            asn_record,
            open_breakers_key(&self.prefix),
        ];
        let counters = &s.risk.counters;
        let action = |a| action_name(s.captcha.counter_action(a)).to_owned();
        let args = [
            r.mac.to_owned(),
            r.session.as_str().to_owned(),
            s.code_ttl_secs.to_string(),
            s.resend_cooldown_secs.to_string(),
            s.send_window_secs.to_string(),
            s.sends_per_window.to_string(),
            s.sends_per_day.to_string(),
            s.ip_send_window_secs.to_string(),
            s.ip_sends_per_window.to_string(),
            s.country_budget(r.phone.calling_code()).to_string(),
            s.country_send_window_secs.to_string(),
            s.global_sends_per_window.to_string(),
            s.global_send_window_secs.to_string(),
            counters.window_secs.to_string(),
            counters.breaker_min_sends.to_string(),
            counters.breaker_min_conversion_percent.to_string(),
            counters.breaker_cooloff_secs.to_string(),
            action(counters.breaker),
            counters.asn_sends_per_window.to_string(),
            action(counters.asn_volume),
            flag(r.caller.human),
            flag(r.caller.asn.is_some()),
            format!("calling_code:{}", r.phone.calling_code()),
            format!("asn:{}", r.caller.asn.unwrap_or(0)),
            r.caller.now.to_string(),
        ];
        let items = run(self.redis, ISSUE, &keys, &args).await?;
        let (outcome, n) = outcome_of(&items)?;
        let outcome = match outcome {
            "issued" => IssueOutcome::Issued,
            "risky" => {
                return Ok(Counted {
                    outcome: IssueOutcome::Risky(hit_of(&items, n)?),
                    quota: None,
                })
            }
            other => IssueOutcome::Limited {
                limit: limit_of(other)?,
                retry_after_secs: n,
            },
        };
        Ok(Counted {
            outcome,
            quota: quota_of(&items)?,
        })
    }

    async fn withdraw(
        &self,
        phone: &PhoneNumber,
        mac: &str,
        caller: &Caller,
    ) -> Result<(), BackendError> {
        let [cc_record, asn_record] = self.risk_keys(phone, caller);
        let keys = [
            self.phone_key(phone, ""),
            self.phone_key(phone, ":cooldown"),
            cc_record,
            asn_record,
        ];
        let keys: Vec<&str> = keys.iter().map(String::as_str).collect();
        let with_asn = flag(caller.asn.is_some());
        self.redis
            .eval(WITHDRAW, &keys, &[mac, &with_asn])
            .await
            .map_err(backend)?;
        Ok(())
    }

    async fn verify(&self, r: &VerifyRequest<'_>) -> Result<Counted<VerifyOutcome>, BackendError> {
        let s = r.settings;
        let [cc_record, asn_record] = self.risk_keys(r.phone, &r.caller);
        let keys = [
            self.phone_key(r.phone, ""),
            self.phone_key(r.phone, ":fails"),
            self.phone_key(r.phone, ":lock"),
            self.ip_key(r.client_ip, ":login"),
            self.phone_key(r.phone, ":locks"),
            self.phone_key(r.phone, ":guesses"),
            cc_record,
            asn_record,
        ];
        let args = [
            r.mac.to_owned(),
            r.session.as_str().to_owned(),
            s.max_attempts.to_string(),
            s.failed_login_ceiling.to_string(),
            s.lockout_secs.to_string(),
            s.ip_login_window_secs.to_string(),
            s.ip_logins_per_window.to_string(),
            s.phone_guesses_per_window.to_string(),
            s.phone_guess_window_secs.to_string(),
            flag(r.caller.asn.is_some()),
        ];
        let items = run(self.redis, VERIFY, &keys, &args).await?;
        let (outcome, n) = outcome_of(&items)?;
        let outcome = match outcome {
            "verified" => VerifyOutcome::Verified,
            "missing" => VerifyOutcome::NotFound,
            "mismatch" => VerifyOutcome::Mismatch { attempts_left: n },
            "burned" => VerifyOutcome::Burned,
            other => VerifyOutcome::Limited {
                limit: limit_of(other)?,
                retry_after_secs: n,
            },
        };
        Ok(Counted {
            outcome,
            quota: quota_of(&items)?,
        })
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
