//! The quota of the per-caller limit closest to refusing, as the IETF RateLimit header fields
//! say it (draft-ietf-httpapi-ratelimit-headers: `RateLimit-Policy: "phone";q=3;w=600` and
//! `RateLimit: "phone";r=2;t=540`). The OTP store reports it with each send and login it
//! counted, and with a 429 of such a limit (spent): the numbers are its own counters, read in
//! the same step. Service-wide budgets (a country's, the service's) and the phone's lock are not
//! a caller's quota and are never shown.

/// Which limit a quota is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QuotaPolicy {
    /// Codes to the number in the send window (`OTP_SENDS_PER_WINDOW`).
    Phone,
    /// Codes to the number in a day (`OTP_SENDS_PER_DAY`).
    PhoneDay,
    /// Sends or logins from the client's address (or IPv6 prefix) in its window.
    Address,
    /// The resend cooldown: one code per `OTP_RESEND_COOLDOWN_SECONDS`.
    Cooldown,
}

impl QuotaPolicy {
    /// The policy's name in the header fields (and the store's replies).
    pub const fn as_str(self) -> &'static str {
        match self {
            QuotaPolicy::Phone => "phone",
            QuotaPolicy::PhoneDay => "phone-day",
            QuotaPolicy::Address => "address",
            QuotaPolicy::Cooldown => "cooldown",
        }
    }

    pub fn parse(name: &str) -> Option<Self> {
        [Self::Phone, Self::PhoneDay, Self::Address, Self::Cooldown]
            .into_iter()
            .find(|p| p.as_str() == name)
    }
}

/// One limit's quota: `limit` requests per `window_secs`, `remaining` of them left, the
/// window ending in `reset_secs`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Quota {
    pub policy: QuotaPolicy,
    pub limit: u32,
    pub window_secs: u32,
    pub remaining: u32,
    pub reset_secs: u32,
}

impl Quota {
    /// `RateLimit-Policy`: the policy's name, quota and window.
    pub fn policy_field(&self) -> String {
        format!(
            "\"{}\";q={};w={}",
            self.policy.as_str(),
            self.limit,
            self.window_secs
        )
    }

    /// `RateLimit`: what is left of it and when it resets.
    pub fn field(&self) -> String {
        format!(
            "\"{}\";r={};t={}",
            self.policy.as_str(),
            self.remaining,
            self.reset_secs
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_fields_follow_the_draft() {
        let quota = Quota {
            policy: QuotaPolicy::Phone,
            limit: 3,
            window_secs: 600,
            remaining: 2,
            reset_secs: 540,
        };
        assert_eq!(quota.policy_field(), r#""phone";q=3;w=600"#);
        assert_eq!(quota.field(), r#""phone";r=2;t=540"#);
        for policy in [
            QuotaPolicy::Phone,
            QuotaPolicy::PhoneDay,
            QuotaPolicy::Address,
            QuotaPolicy::Cooldown,
        ] {
            assert_eq!(QuotaPolicy::parse(policy.as_str()), Some(policy));
        }
    }
}
