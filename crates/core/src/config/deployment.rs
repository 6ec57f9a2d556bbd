//! What a deployment's configuration must meet before it serves, beyond the policy bounds of
//! [`crate::config::settings`]: the server secret's length, and in production (`ENVIRONMENT=production`)
//! no development key, test numbers, plain-text backends, console SMS or open metrics. The worker
//! reads its environment through a lookup; the rules live here so they are tested natively.

/// The shortest `OTP_HMAC_SECRET` accepted: 32 characters (at least 128 bits of a random text).
pub const MIN_HMAC_SECRET_CHARS: usize = 32;

/// Limits production refuses above, with the refusal: past these the brute-force and SMS-cost
/// arithmetic of RELIABILITY.md no longer holds.
const PRODUCTION_MAXIMA: &[(&str, u32, &str)] = &[
    ("OTP_MAX_ATTEMPTS", 10, "OTP_MAX_ATTEMPTS above 10"),
    (
        "FAILED_LOGIN_CEILING",
        100,
        "FAILED_LOGIN_CEILING above 100",
    ),
    ("OTP_SENDS_PER_WINDOW", 10, "OTP_SENDS_PER_WINDOW above 10"),
    ("OTP_SENDS_PER_DAY", 50, "OTP_SENDS_PER_DAY above 50"),
    (
        "IP_LOGINS_PER_WINDOW",
        1_000,
        "IP_LOGINS_PER_WINDOW above 1000",
    ),
];

/// A URL whose scheme is https, in any case.
fn is_https(url: &str) -> bool {
    url.get(..8)
        .is_some_and(|s| s.eq_ignore_ascii_case("https://"))
}

/// A setting read as a whole number (what does not parse is the settings parser's to refuse).
fn number(get: &impl Fn(&str) -> Option<String>, name: &str) -> Option<u32> {
    get(name).and_then(|v| v.trim().parse().ok())
}

/// Whether the lookup names a production deployment.
pub fn is_production(get: &impl Fn(&str) -> Option<String>) -> bool {
    get("ENVIRONMENT").is_some_and(|v| v.eq_ignore_ascii_case("production"))
}

/// Every reason the configuration must not serve; empty when it may. `get` returns a setting
/// by name, `None` when unset or empty.
pub fn refusals(get: &impl Fn(&str) -> Option<String>) -> Vec<&'static str> {
    let mut problems = Vec::new();
    if get("OTP_HMAC_SECRET").is_some_and(|s| s.len() < MIN_HMAC_SECRET_CHARS) {
        problems.push("OTP_HMAC_SECRET must be at least 32 characters");
    }
    if !is_production(get) {
        return problems;
    }
    if get("JWT_SIGNING_KID").is_some_and(|kid| kid.starts_with("dev-")) {
        problems.push("JWT_SIGNING_KID is a development key (dev-...); run `auth-ops keygen`");
    }
    if get("OTP_TEST_NUMBERS").is_some() {
        problems.push("OTP_TEST_NUMBERS is set");
    }
    let plain = |name: &str| get(name).is_some_and(|url| !is_https(&url));
    if plain("REDIS_REST_URL") {
        problems.push("REDIS_REST_URL must use https");
    }
    if region_redis_urls(get).iter().any(|name| plain(name)) {
        problems.push("every region's REDIS_REST_URL_<REGION> must use https");
    }
    if get("SMS_PROVIDER").as_deref() == Some("webhook") && plain("SMS_WEBHOOK_URL") {
        problems.push("SMS_WEBHOOK_URL must use https");
    }
    if plain("TWILIO_API_BASE") {
        problems.push("TWILIO_API_BASE must use https");
    }
    if plain("TURNSTILE_VERIFY_URL") {
        problems.push("TURNSTILE_VERIFY_URL must use https");
    }
    if get("PASSKEY_ORIGINS").is_some_and(|list| list.split(',').any(|o| !is_https(o.trim()))) {
        problems.push("PASSKEY_ORIGINS names an http origin (development only)");
    }
    if get("EDGE_SIGNALS").is_some_and(|v| v.trim() == "headers") {
        problems.push("EDGE_SIGNALS=headers (any client could send its own country and bot score)");
    }
    if number(get, "OTP_LENGTH").is_some_and(|n| n < 6) {
        problems.push("OTP_LENGTH below 6 digits");
    }
    for (name, max, why) in PRODUCTION_MAXIMA {
        if number(get, name).is_some_and(|n| n > *max) {
            problems.push(why);
        }
    }
    if get("POSTGRES_TLS").as_deref() == Some("off") {
        problems.push("POSTGRES_TLS=off");
    }
    if get("METRICS_TOKEN").is_none() {
        problems.push("METRICS_TOKEN is missing");
    }
    if get("SMS_PROVIDER").is_none_or(|p| p == "console") {
        problems.push("SMS_PROVIDER=console prints codes");
    }
    problems
}

/// The Redis REST URL settings of the data regions (`crate::domain::regions`); none without regions
/// (or with a `DATA_REGIONS` the worker will refuse anyway).
fn region_redis_urls(get: &impl Fn(&str) -> Option<String>) -> Vec<String> {
    let regions = crate::domain::regions::Regions::parse(
        get("DATA_REGIONS").as_deref(),
        get("DATA_REGION_DEFAULT").as_deref(),
    );
    let Ok(regions) = regions else {
        return Vec::new();
    };
    regions
        .ids()
        .filter_map(|id| regions.name(id))
        .map(|name| format!("REDIS_REST_URL_{}", name.to_ascii_uppercase()))
        .collect()
}

/// `Ok` when the configuration may serve, else one operator-facing line naming every problem.
pub fn check(get: &impl Fn(&str) -> Option<String>) -> Result<(), String> {
    let problems = refusals(get);
    if problems.is_empty() {
        return Ok(());
    }
    let scope = if is_production(get) {
        "refusing to serve in production"
    } else {
        "refusing to serve"
    };
    Err(format!("{scope}: {}", problems.join("; ")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn lookup(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        move |name| map.get(name).cloned().filter(|v| !v.is_empty())
    }

    const SOUND_PRODUCTION: &[(&str, &str)] = &[
        ("ENVIRONMENT", "production"),
        ("OTP_HMAC_SECRET", "0123456789abcdef0123456789abcdef"),
        ("JWT_SIGNING_KID", "2026-11-key"),
        ("REDIS_REST_URL", "https://eu1.upstash.io"),
        ("METRICS_TOKEN", "scrape-token"),
        ("SMS_PROVIDER", "twilio"),
    ];

    fn with(changes: &[(&'static str, &'static str)]) -> Vec<(&'static str, &'static str)> {
        let mut pairs: Vec<_> = SOUND_PRODUCTION
            .iter()
            .filter(|(k, _)| !changes.iter().any(|(c, _)| c == k))
            .copied()
            .collect();
        pairs.extend(changes.iter().copied());
        pairs
    }

    #[test]
    fn a_sound_production_configuration_serves() {
        assert_eq!(check(&lookup(SOUND_PRODUCTION)), Ok(()));
    }

    #[test]
    fn production_refuses_a_regions_plain_redis_url() {
        let regions = [
            ("DATA_REGIONS", "eu=44;us=1"),
            ("REDIS_REST_URL_EU", "https://eu1.upstash.io"),
        ];
        let sound = with(&[
            regions[0],
            regions[1],
            ("REDIS_REST_URL_US", "https://us1.upstash.io"),
        ]);
        assert_eq!(check(&lookup(&sound)), Ok(()));
        let plain = with(&[
            regions[0],
            regions[1],
            ("REDIS_REST_URL_US", "http://10.0.0.9:8089"),
        ]);
        let refused = check(&lookup(&plain)).unwrap_err();
        assert!(
            refused.contains("REDIS_REST_URL_<REGION> must use https"),
            "{refused}"
        );
    }

    #[test]
    fn production_refuses_each_development_shortcut() {
        for (change, reason) in [
            (("JWT_SIGNING_KID", "dev-1"), "development key"),
            (
                ("OTP_TEST_NUMBERS", "+15005550006=123456"),
                "OTP_TEST_NUMBERS",
            ),
            (("REDIS_REST_URL", "http://127.0.0.1:8089"), "https"),
            (("POSTGRES_TLS", "off"), "POSTGRES_TLS"),
            (("METRICS_TOKEN", ""), "METRICS_TOKEN"),
            (("SMS_PROVIDER", "console"), "console"),
            (("SMS_PROVIDER", ""), "console"),
            (("OTP_HMAC_SECRET", "short"), "32 characters"),
            (("REDIS_REST_URL", "HTTP://eu1.upstash.io"), "https"),
            (("REDIS_REST_URL", "ftp://eu1.upstash.io"), "https"),
            (
                ("TWILIO_API_BASE", "http://api.twilio.com"),
                "TWILIO_API_BASE",
            ),
            (("OTP_LENGTH", "4"), "OTP_LENGTH"),
            (("OTP_MAX_ATTEMPTS", "11"), "OTP_MAX_ATTEMPTS"),
            (("OTP_SENDS_PER_DAY", "500"), "OTP_SENDS_PER_DAY"),
            (("FAILED_LOGIN_CEILING", "1000"), "FAILED_LOGIN_CEILING"),
            (("EDGE_SIGNALS", "headers"), "EDGE_SIGNALS"),
            (
                ("TURNSTILE_VERIFY_URL", "http://127.0.0.1:9/siteverify"),
                "TURNSTILE_VERIFY_URL",
            ),
            (
                (
                    "PASSKEY_ORIGINS",
                    "https://example.com, http://localhost:8787",
                ),
                "PASSKEY_ORIGINS",
            ),
        ] {
            let refused = check(&lookup(&with(&[change]))).unwrap_err();
            assert!(
                refused.starts_with("refusing to serve in production") && refused.contains(reason),
                "{change:?}: {refused}"
            );
        }
    }

    #[test]
    fn production_checks_the_webhook_only_when_it_sends_and_takes_https_in_any_case() {
        let webhook =
            |url: &'static str| with(&[("SMS_PROVIDER", "webhook"), ("SMS_WEBHOOK_URL", url)]);
        let refused = check(&lookup(&webhook("http://sms.internal/hook"))).unwrap_err();
        assert!(refused.contains("SMS_WEBHOOK_URL"), "{refused}");
        assert_eq!(
            check(&lookup(&webhook("HTTPS://sms.example.com/hook"))),
            Ok(())
        );
        let unused = with(&[("SMS_WEBHOOK_URL", "http://sms.internal/hook")]);
        assert_eq!(
            check(&lookup(&unused)),
            Ok(()),
            "twilio sends; the webhook is unused"
        );
        let limits_at_max = with(&[("OTP_LENGTH", "6"), ("OTP_MAX_ATTEMPTS", "10")]);
        assert_eq!(check(&lookup(&limits_at_max)), Ok(()));
        let passkeys = with(&[(
            "PASSKEY_ORIGINS",
            "https://example.com,https://a.example.com",
        )]);
        assert_eq!(check(&lookup(&passkeys)), Ok(()), "https origins serve");
    }

    #[test]
    fn development_allows_the_shortcuts_but_not_a_short_secret() {
        let dev = lookup(&[
            ("SMS_PROVIDER", "console"),
            ("POSTGRES_TLS", "off"),
            ("JWT_SIGNING_KID", "dev-1"),
            ("OTP_HMAC_SECRET", "0123456789abcdef0123456789abcdef"),
        ]);
        assert_eq!(check(&dev), Ok(()));
        let short = lookup(&[("OTP_HMAC_SECRET", "0123456789abcdef0123456789abcde")]);
        assert_eq!(
            check(&short),
            Err("refusing to serve: OTP_HMAC_SECRET must be at least 32 characters".to_owned())
        );
    }

    #[test]
    fn the_environment_name_is_case_insensitive() {
        assert!(is_production(&lookup(&[("ENVIRONMENT", "Production")])));
        assert!(!is_production(&lookup(&[("ENVIRONMENT", "staging")])));
    }
}
