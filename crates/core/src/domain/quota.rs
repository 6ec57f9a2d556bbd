//! The caller's quota, as the IETF RateLimit header fields say it
//! (draft-ietf-httpapi-ratelimit-headers: `RateLimit-Policy: "address";q=30;w=600` and
//! `RateLimit: "address";r=29;t=540`). It is always the caller's own: its address's (or IPv6
//! prefix's) sends on send-otp, its logins on login, read by the OTP store in the same step
//! that counts them. Never the number's quota: that would tell a stranger how many codes others
//! asked for a number, and when. Service-wide budgets and the phone's lock are not a caller's
//! quota either.

/// The name of the one policy the fields report.
const POLICY: &str = "address";

/// The address's quota: `limit` requests per `window_secs`, `remaining` of them left, the
/// window ending in `reset_secs`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Quota {
    pub limit: u32,
    pub window_secs: u32,
    pub remaining: u32,
    pub reset_secs: u32,
}

impl Quota {
    /// `RateLimit-Policy`: the policy's name, quota and window.
    pub fn policy_field(&self) -> String {
        format!("\"{POLICY}\";q={};w={}", self.limit, self.window_secs)
    }

    /// `RateLimit`: what is left of it and when it resets.
    pub fn field(&self) -> String {
        format!("\"{POLICY}\";r={};t={}", self.remaining, self.reset_secs)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_fields_follow_the_draft() {
        let quota = Quota {
            limit: 30,
            window_secs: 600,
            remaining: 29,
            reset_secs: 540,
        };
        assert_eq!(quota.policy_field(), r#""address";q=30;w=600"#);
        assert_eq!(quota.field(), r#""address";r=29;t=540"#);
    }
}
