//! The OTP store on Redis, over the REST protocol: each operation is one Lua script, so one
//! round trip and one atomic step.
//!
//! Key layout: every key of one phone shares the hash tag `{+14155552671}`, so each script's
//! phone keys live in one Redis Cluster slot. Client-address counters are tagged by the address
//! (an IPv6 prefix), the send budgets by country or `global`. The scripts also touch those
//! counters, which is fine on a single Redis and on Upstash; on a Redis Cluster those checks
//! would move to their own commands in the same pipeline.

use super::{RedisError, Reply, UpstashRedis};
use auth_core::phone::PhoneNumber;
use auth_core::ports::{
    BackendError, IssueOutcome, IssueRequest, Limit, OtpStore, VerifyOutcome, VerifyRequest,
};

const ISSUE: &str = include_str!("scripts/issue.lua");
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
    async fn issue(&self, r: &IssueRequest<'_>) -> Result<IssueOutcome, BackendError> {
        let s = r.settings;
        let keys = [
            self.phone_key(r.phone, ""),
            self.phone_key(r.phone, ":cooldown"),
            self.phone_key(r.phone, ":window"),
            self.phone_key(r.phone, ":day"),
            self.phone_key(r.phone, ":lock"),
            self.ip_key(r.client_ip, ":send"),
            format!("{}budget:{{cc{}}}", self.prefix, r.phone.calling_code()),
            format!("{}budget:{{global}}", self.prefix),
        ];
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
        ];
        let (outcome, n) = run(self.redis, ISSUE, &keys, &args).await?;
        Ok(match outcome.as_str() {
            "issued" => IssueOutcome::Issued,
            other => IssueOutcome::Limited {
                limit: limit_of(other)?,
                retry_after_secs: n,
            },
        })
    }

    async fn withdraw(&self, phone: &PhoneNumber, mac: &str) -> Result<(), BackendError> {
        let keys = [
            self.phone_key(phone, ""),
            self.phone_key(phone, ":cooldown"),
        ];
        let keys: Vec<&str> = keys.iter().map(String::as_str).collect();
        self.redis
            .eval(WITHDRAW, &keys, &[mac])
            .await
            .map_err(backend)?;
        Ok(())
    }

    async fn verify(&self, r: &VerifyRequest<'_>) -> Result<VerifyOutcome, BackendError> {
        let s = r.settings;
        let keys = [
            self.phone_key(r.phone, ""),
            self.phone_key(r.phone, ":fails"),
            self.phone_key(r.phone, ":lock"),
            self.ip_key(r.client_ip, ":login"),
            self.phone_key(r.phone, ":locks"),
            self.phone_key(r.phone, ":guesses"),
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
        ];
        let (outcome, n) = run(self.redis, VERIFY, &keys, &args).await?;
        Ok(match outcome.as_str() {
            "verified" => VerifyOutcome::Verified,
            "missing" => VerifyOutcome::NotFound,
            "mismatch" => VerifyOutcome::Mismatch { attempts_left: n },
            "burned" => VerifyOutcome::Burned,
            other => VerifyOutcome::Limited {
                limit: limit_of(other)?,
                retry_after_secs: n,
            },
        })
    }
}

/// Runs a script and reads its `{outcome, number}` reply.
async fn run(
    redis: &UpstashRedis,
    script: &str,
    keys: &[String],
    args: &[String],
) -> Result<(String, u32), BackendError> {
    let keys: Vec<&str> = keys.iter().map(String::as_str).collect();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let reply = redis.eval(script, &keys, &args).await.map_err(backend)?;
    let unexpected = || BackendError::Failed(format!("unexpected script reply {reply}"));
    let Reply::Array(items) = &reply else {
        return Err(unexpected());
    };
    match items.as_slice() {
        [Reply::String(outcome), number] => {
            let n = number
                .as_u64()
                .and_then(|n| u32::try_from(n).ok())
                .ok_or_else(unexpected)?;
            Ok((outcome.clone(), n))
        }
        _ => Err(unexpected()),
    }
}

fn limit_of(outcome: &str) -> Result<Limit, BackendError> {
    Ok(match outcome {
        "locked" => Limit::Locked,
        "cooldown" => Limit::Cooldown,
        "window" => Limit::PhoneWindow,
        "day" => Limit::PhoneDaily,
        "ip" => Limit::ClientIp,
        "guesses" => Limit::PhoneGuesses,
        "country" => Limit::CountryBudget,
        "global" => Limit::GlobalBudget,
        other => {
            return Err(BackendError::Failed(format!(
                "unknown script outcome {other:?}"
            )))
        }
    })
}

/// Redis being unreachable is a 503; anything else it says is a failure of ours.
pub(crate) fn backend(err: RedisError) -> BackendError {
    match err {
        RedisError::Unavailable(why) => BackendError::Unavailable(why),
        other => BackendError::Failed(other.to_string()),
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
