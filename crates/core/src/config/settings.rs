//! The OTP and token policy, read from named settings (Workers vars) with safe defaults.
//!
//! Parsing lives here, not in the worker, so every default and bound is tested natively.

use super::passkeys::PasskeyPolicy;
use super::values::{parse_budgets, parse_test_numbers, whole_number};
use crate::domain::delivery::sms_text::SmsText;
use crate::domain::delivery::ChannelPolicy;
use crate::domain::edge::EdgeSource;
use crate::domain::otp::CodePurpose;
use crate::domain::phone::{PhoneNumber, Region};
use crate::domain::risk::{CaptchaMode, CaptchaOutage, RiskPolicy};

/// Every tunable of the OTP flows and the tokens they issue.
#[derive(Debug, Clone)]
pub struct Settings {
    pub code_length: u8,
    pub code_ttl_secs: u32,
    pub max_attempts: u32,
    pub resend_cooldown_secs: u32,
    pub sends_per_window: u32,
    pub send_window_secs: u32,
    pub sends_per_day: u32,
    pub ip_sends_per_window: u32,
    pub ip_send_window_secs: u32,
    pub ip_logins_per_window: u32,
    pub ip_login_window_secs: u32,
    /// Logins for one phone that do not present its code's session (strangers' guesses), per
    /// window: high, so only a flood reaches it; the code's own session is never refused by it.
    pub phone_guesses_per_window: u32,
    pub phone_guess_window_secs: u32,
    /// IPv6 clients are limited per prefix of this length (`client_address::bucket`).
    pub ipv6_prefix_len: u8,
    /// Codes sent to all numbers together, per window: a ceiling on what any attacker, however
    /// spread over numbers and addresses, can make the service spend.
    pub global_sends_per_window: u32,
    pub global_send_window_secs: u32,
    /// Codes sent per country calling code, per window, unless `country_send_budgets` names the
    /// code: an attacker pumping one country's premium numbers stops at that country's budget.
    pub country_sends_per_window: u32,
    pub country_send_window_secs: u32,
    pub country_send_budgets: Vec<(u16, u32)>,
    /// The budget of a calling code outside `RISK_TRUSTED_CALLING_CODES` that
    /// `COUNTRY_SEND_BUDGETS` does not name (`UNTRUSTED_COUNTRY_SENDS_PER_WINDOW`): tight by
    /// default, since pumping goes to such ranges.
    pub untrusted_country_sends_per_window: u32,
    pub failed_login_ceiling: u32,
    pub lockout_secs: u32,
    /// When set, only these country calling codes may receive codes.
    pub allowed_calling_codes: Option<Vec<u16>>,
    pub denied_calling_codes: Vec<u16>,
    pub default_region: Option<Region>,
    /// Fixed codes for app-store review and staging; empty (off) by default.
    pub test_numbers: Vec<(PhoneNumber, String)>,
    /// How the SMS is written: its template by language, and the autofill lines.
    pub sms_text: SmsText,
    /// The channels offered and the fallback order (`OTP_CHANNELS`, `OTP_CHANNEL_FALLBACK`).
    pub channels: ChannelPolicy,
    /// Where the caller's country, network and bot score come from (`EDGE_SIGNALS`).
    pub edge_source: EdgeSource,
    /// What each risk signal does to a send (`RISK_*`).
    pub risk: RiskPolicy,
    /// When a send needs a passed bot check (`CAPTCHA`), and what a send does while the
    /// check's service is down (`CAPTCHA_OUTAGE`).
    pub captcha: CaptchaMode,
    pub captcha_outage: CaptchaOutage,
    pub access_token_ttl_secs: u32,
    pub refresh_token_ttl_secs: u32,
    /// A used refresh token presented again within this many seconds is a retry, not a theft.
    pub refresh_grace_secs: u32,
    /// A session unused for this long ends (0: sessions end only at their absolute expiry).
    pub session_idle_secs: u32,
    /// Whether a number change ends every other session of the user (`PHONE_CHANGE_SESSIONS`:
    /// `revoke_others`, the default, or `keep`).
    pub phone_change_revokes_other_sessions: bool,
    /// A user moves their account to a new number from a session that logged in at most this
    /// long ago (`PHONE_CHANGE_MAX_AUTH_AGE_SECONDS`).
    pub phone_change_max_auth_age_secs: u32,
    /// A user deletes their account from a session that logged in at most this long ago.
    pub delete_account_max_auth_age_secs: u32,
    pub issuer: String,
    pub audience: String,
    pub client_id: String,
    /// The passkeys' relying party and apps; `None` (passkeys off) without `PASSKEY_RP_ID`.
    pub passkeys: Option<PasskeyPolicy>,
}

impl Settings {
    /// Reads every setting through `get` (a Workers env, a map in tests). A value that does not
    /// parse or is out of bounds is an error naming the variable and the bounds.
    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Result<Self, String> {
        let number = |name: &str, default: u32, min: u32, max: u32| {
            whole_number(&get, name, default, min..=max)
        };
        let codes = |name: &str| -> Result<Option<Vec<u16>>, String> {
            let Some(raw) = get(name).filter(|v| !v.trim().is_empty()) else {
                return Ok(None);
            };
            raw.split(',')
                .map(|c| c.trim().trim_start_matches('+').parse::<u16>())
                .collect::<Result<Vec<_>, _>>()
                .map(Some)
                .map_err(|_| format!("{name}={raw:?} must be calling codes like \"1,44,98\""))
        };
        let default_region = match get("DEFAULT_REGION").filter(|v| !v.trim().is_empty()) {
            None => None,
            Some(code) => Some(code.trim().parse::<Region>().map_err(|_| {
                format!("DEFAULT_REGION={code:?} is not a known ISO 3166 region code")
            })?),
        };
        let code_length = number("OTP_LENGTH", 6, 4, 10)? as u8;
        let test_numbers = match get("OTP_TEST_NUMBERS").filter(|v| !v.trim().is_empty()) {
            None => Vec::new(),
            Some(raw) => parse_test_numbers(&raw, code_length)?,
        };
        let text = |name: &str, default: &str| {
            get(name)
                .filter(|v| !v.is_empty())
                .unwrap_or_else(|| default.to_owned())
        };
        Ok(Self {
            code_length,
            code_ttl_secs: number("OTP_TTL_SECONDS", 120, 10, 600)?,
            max_attempts: number("OTP_MAX_ATTEMPTS", 5, 1, 20)?,
            resend_cooldown_secs: number("OTP_RESEND_COOLDOWN_SECONDS", 60, 0, 3600)?,
            sends_per_window: number("OTP_SENDS_PER_WINDOW", 3, 1, 1000)?,
            send_window_secs: number("OTP_SEND_WINDOW_SECONDS", 600, 1, 86_400)?,
            sends_per_day: number("OTP_SENDS_PER_DAY", 10, 1, 10_000)?,
            ip_sends_per_window: number("IP_SENDS_PER_WINDOW", 30, 1, 1_000_000)?,
            ip_send_window_secs: number("IP_SEND_WINDOW_SECONDS", 600, 1, 86_400)?,
            ip_logins_per_window: number("IP_LOGINS_PER_WINDOW", 60, 1, 1_000_000)?,
            ip_login_window_secs: number("IP_LOGIN_WINDOW_SECONDS", 600, 1, 86_400)?,
            phone_guesses_per_window: number("PHONE_GUESSES_PER_WINDOW", 100, 1, 1_000_000)?,
            phone_guess_window_secs: number("PHONE_GUESS_WINDOW_SECONDS", 600, 1, 86_400)?,
            ipv6_prefix_len: number("IPV6_PREFIX_LENGTH", 64, 32, 128)? as u8,
            global_sends_per_window: number("GLOBAL_SENDS_PER_WINDOW", 20_000, 1, 100_000_000)?,
            global_send_window_secs: number("GLOBAL_SEND_WINDOW_SECONDS", 3600, 1, 86_400)?,
            country_sends_per_window: number("COUNTRY_SENDS_PER_WINDOW", 5_000, 1, 100_000_000)?,
            country_send_window_secs: number("COUNTRY_SEND_WINDOW_SECONDS", 3600, 1, 86_400)?,
            country_send_budgets: parse_budgets(get("COUNTRY_SEND_BUDGETS"))?,
            untrusted_country_sends_per_window: number(
                "UNTRUSTED_COUNTRY_SENDS_PER_WINDOW",
                200,
                1,
                100_000_000,
            )?,
            failed_login_ceiling: number("FAILED_LOGIN_CEILING", 100, 1, 100_000)?,
            lockout_secs: number("LOCKOUT_SECONDS", 3600, 1, 30 * 86_400)?,
            allowed_calling_codes: codes("SMS_ALLOWED_CALLING_CODES")?,
            denied_calling_codes: codes("SMS_DENIED_CALLING_CODES")?.unwrap_or_default(),
            default_region,
            test_numbers,
            sms_text: SmsText::new(
                get("SMS_TEMPLATE").filter(|v| !v.is_empty()),
                get("SMS_TEMPLATES").as_deref(),
                get("SMS_ORIGIN_DOMAIN").filter(|v| !v.trim().is_empty()),
                get("SMS_ANDROID_APP_HASH").filter(|v| !v.trim().is_empty()),
            )?,
            channels: ChannelPolicy::parse(
                get("OTP_CHANNELS").as_deref(),
                get("OTP_CHANNEL_FALLBACK").as_deref(),
            )?,
            edge_source: EdgeSource::parse(get("EDGE_SIGNALS").as_deref())?,
            risk: RiskPolicy::from_lookup(&get)?,
            captcha: CaptchaMode::parse(get("CAPTCHA").as_deref())?,
            captcha_outage: CaptchaOutage::parse(get("CAPTCHA_OUTAGE").as_deref())?,
            access_token_ttl_secs: number("ACCESS_TOKEN_TTL_SECONDS", 900, 60, 86_400)?,
            refresh_token_ttl_secs: number(
                "REFRESH_TOKEN_TTL_SECONDS",
                30 * 86_400,
                3600,
                365 * 86_400,
            )?,
            refresh_grace_secs: number("REFRESH_GRACE_SECONDS", 0, 0, 60)?,
            session_idle_secs: number("SESSION_IDLE_SECONDS", 0, 0, 365 * 86_400)?,
            phone_change_revokes_other_sessions: match get("PHONE_CHANGE_SESSIONS")
                .as_deref()
                .map(str::trim)
            {
                None | Some("") | Some("revoke_others") => true,
                Some("keep") => false,
                Some(other) => {
                    return Err(format!(
                        "PHONE_CHANGE_SESSIONS={other:?} must be revoke_others or keep"
                    ))
                }
            },
            phone_change_max_auth_age_secs: number(
                "PHONE_CHANGE_MAX_AUTH_AGE_SECONDS",
                600,
                60,
                30 * 86_400,
            )?,
            delete_account_max_auth_age_secs: number(
                "DELETE_ACCOUNT_MAX_AUTH_AGE_SECONDS",
                600,
                60,
                30 * 86_400,
            )?,
            issuer: text("JWT_ISSUER", "phone-auth"),
            audience: text("JWT_AUDIENCE", "phone-auth-clients"),
            client_id: text("JWT_CLIENT_ID", "phone-auth"),
            passkeys: PasskeyPolicy::from_lookup(&get)?,
        })
    }

    /// Whether codes may be sent to numbers with this calling code (SMS pumping defence).
    pub fn may_send_to(&self, calling_code: u16) -> bool {
        let allowed = self
            .allowed_calling_codes
            .as_ref()
            .is_none_or(|list| list.contains(&calling_code));
        allowed && !self.denied_calling_codes.contains(&calling_code)
    }

    /// Codes that may go to numbers with this calling code in one country window: its
    /// `COUNTRY_SEND_BUDGETS` entry, else the tight budget of an untrusted calling code, else
    /// `COUNTRY_SENDS_PER_WINDOW`.
    pub fn country_budget(&self, calling_code: u16) -> u32 {
        let named = self
            .country_send_budgets
            .iter()
            .find(|(code, _)| *code == calling_code);
        match named {
            Some((_, budget)) => *budget,
            None if !self.risk.trusted_calling_codes.contains(&calling_code) => self
                .untrusted_country_sends_per_window
                .min(self.country_sends_per_window),
            None => self.country_sends_per_window,
        }
    }

    /// The fixed code of a configured test number, if this is one.
    pub fn test_code_for(&self, phone: &PhoneNumber) -> Option<&str> {
        self.test_numbers
            .iter()
            .find(|(n, _)| n == phone)
            .map(|(_, code)| code.as_str())
    }

    /// The SMS text for a code, in the first of `languages` (most preferred first) that has a
    /// template: a login code's, or a number change's, worded apart.
    pub fn message_for(&self, purpose: CodePurpose, code: &str, languages: &[String]) -> String {
        let minutes = self.code_ttl_secs.div_ceil(60);
        match purpose {
            CodePurpose::Login => self.sms_text.render(code, minutes, languages),
            CodePurpose::ChangeNumber(_) => self.sms_text.render_change(code, minutes, languages),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn settings(vars: &[(&str, &str)]) -> Result<Settings, String> {
        let map: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Settings::from_lookup(|k| map.get(k).cloned())
    }

    #[test]
    fn defaults_follow_the_contract() {
        let s = settings(&[]).unwrap();
        assert_eq!(
            (s.code_length, s.code_ttl_secs, s.max_attempts),
            (6, 120, 5)
        );
        assert_eq!(
            (
                s.resend_cooldown_secs,
                s.sends_per_window,
                s.send_window_secs
            ),
            (60, 3, 600)
        );
        assert_eq!((s.sends_per_day, s.failed_login_ceiling), (10, 100));
        assert_eq!(
            (s.access_token_ttl_secs, s.refresh_token_ttl_secs),
            (900, 2_592_000)
        );
        assert!(s.test_numbers.is_empty(), "test numbers are off by default");
        assert!(s.may_send_to(98));
    }

    #[test]
    fn out_of_bounds_values_name_their_variable() {
        for (name, value) in [
            ("OTP_LENGTH", "3"),
            ("OTP_LENGTH", "11"),
            ("OTP_TTL_SECONDS", "601"),
            ("OTP_MAX_ATTEMPTS", "x"),
        ] {
            let err = settings(&[(name, value)]).unwrap_err();
            assert!(err.contains(name), "{err}");
        }
        assert!(settings(&[("DEFAULT_REGION", "ZZ")])
            .unwrap_err()
            .contains("DEFAULT_REGION"));
        assert!(settings(&[("SMS_DENIED_CALLING_CODES", "1,x")]).is_err());
    }

    #[test]
    fn calling_code_lists_allow_and_deny() {
        let s = settings(&[
            ("SMS_ALLOWED_CALLING_CODES", "1, +44,98"),
            ("SMS_DENIED_CALLING_CODES", "98"),
        ])
        .unwrap();
        assert!(s.may_send_to(1));
        assert!(s.may_send_to(44));
        assert!(!s.may_send_to(98), "deny wins over allow");
        assert!(!s.may_send_to(7), "not on the allow list");
    }

    #[test]
    fn country_budgets_default_and_override_per_calling_code() {
        let s = settings(&[
            ("COUNTRY_SENDS_PER_WINDOW", "40"),
            ("COUNTRY_SEND_BUDGETS", "98=5, +44=7"),
            ("UNTRUSTED_COUNTRY_SENDS_PER_WINDOW", "3"),
        ])
        .unwrap();
        assert_eq!(
            (
                s.country_budget(98),
                s.country_budget(44),
                s.country_budget(1),
                s.country_budget(234),
            ),
            (5, 7, 40, 3),
            "named, named, trusted, untrusted"
        );
        assert_eq!(
            settings(&[]).unwrap().country_budget(234),
            200,
            "tight by default"
        );
        for bad in ["98", "98=0", "x=5", "98=-1"] {
            assert!(settings(&[("COUNTRY_SEND_BUDGETS", bad)]).is_err(), "{bad}");
        }
        assert!(settings(&[("IPV6_PREFIX_LENGTH", "16")]).is_err());
    }

    #[test]
    fn test_numbers_parse_and_must_fit_the_code_length() {
        let s = settings(&[("OTP_TEST_NUMBERS", "+1 415 555 2671=123456")]).unwrap();
        let phone = PhoneNumber::parse("+14155552671", None).unwrap();
        assert_eq!(s.test_code_for(&phone), Some("123456"));
        assert!(settings(&[("OTP_TEST_NUMBERS", "+14155552671=1234")]).is_err());
        assert!(settings(&[("OTP_TEST_NUMBERS", "nonsense")]).is_err());
    }

    #[test]
    fn the_message_template_fills_in_code_and_minutes() {
        let s = settings(&[
            ("SMS_TEMPLATE", "{code} is your code ({minutes} min)"),
            ("OTP_TTL_SECONDS", "90"),
        ])
        .unwrap();
        assert_eq!(
            s.message_for(CodePurpose::Login, "123456", &[]),
            "123456 is your code (2 min)"
        );
        assert!(settings(&[("SMS_ORIGIN_DOMAIN", "not a host")]).is_err());
    }
}
