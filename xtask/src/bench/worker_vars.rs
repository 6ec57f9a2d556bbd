//! The bench worker's settings: one test number per connection (a fixed code, so a login needs
//! no SMS), and every limit out of the way (the benchmark measures the work, not the refusals).

use crate::devvars;

/// The fixed code of the bench worker's test numbers (`OTP_TEST_NUMBERS`).
pub const TEST_CODE: &str = "246810";

/// The bench worker's test numbers, one per connection: +1 415 555 01xx.
pub fn test_number(index: usize) -> String {
    format!("+141555501{:02}", index % 100)
}

/// `OTP_TEST_NUMBERS` for `count` connections.
pub fn test_numbers_setting(count: usize) -> String {
    (0..count.min(100))
        .map(|i| format!("{}={TEST_CODE}", test_number(i)))
        .collect::<Vec<_>>()
        .join(",")
}

/// The worker's settings for the benchmark: limits out of the way (the benchmark measures the
/// work, not the refusals), console SMS, and one test number per connection.
pub(crate) fn bench_vars() -> crate::Result<std::collections::BTreeMap<String, String>> {
    let mut vars = devvars::fresh()?;
    for (k, v) in [
        ("SMS_PROVIDER", "console"),
        ("OTP_RESEND_COOLDOWN_SECONDS", "0"),
        ("OTP_SENDS_PER_WINDOW", "1000"),
        ("OTP_SEND_WINDOW_SECONDS", "1"),
        ("OTP_SENDS_PER_DAY", "10000"),
        ("IP_SENDS_PER_WINDOW", "1000000"),
        ("IP_SEND_WINDOW_SECONDS", "1"),
        ("IP_LOGINS_PER_WINDOW", "1000000"),
        ("IP_LOGIN_WINDOW_SECONDS", "1"),
        ("COUNTRY_SENDS_PER_WINDOW", "100000000"),
        ("GLOBAL_SENDS_PER_WINDOW", "100000000"),
        ("PHONE_GUESSES_PER_WINDOW", "1000000"),
        // Judged on every send, never tripped: send-otp's load never logs in.
        ("RISK_BREAKER_MIN_SENDS", "1000000"),
    ] {
        vars.insert(k.into(), v.into());
    }
    vars.insert(
        "OTP_TEST_NUMBERS".into(),
        test_numbers_setting(super::MAX_CONNECTIONS),
    );
    vars.insert(
        "REDIS_KEY_PREFIX".into(),
        format!("bench-{}:", devvars::random_token(6)),
    );
    Ok(vars)
}
