//! What a deployment's configuration must meet before it serves, beyond the policy bounds of
//! [`crate::settings`]: the server secret's length, and in production (`ENVIRONMENT=production`)
//! no development key, test numbers, plain-text backends, console SMS or open metrics. The worker
//! reads its environment through a lookup; the rules live here so they are tested natively.

/// The shortest `OTP_HMAC_SECRET` accepted: 32 characters (at least 128 bits of a random text).
pub const MIN_HMAC_SECRET_CHARS: usize = 32;

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
        problems.push("JWT_SIGNING_KID is a development key (dev-...); run `cargo xtask keygen`");
    }
    if get("OTP_TEST_NUMBERS").is_some() {
        problems.push("OTP_TEST_NUMBERS is set");
    }
    if get("REDIS_REST_URL").is_some_and(|url| url.starts_with("http://")) {
        problems.push("REDIS_REST_URL must use https");
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
        ] {
            let refused = check(&lookup(&with(&[change]))).unwrap_err();
            assert!(
                refused.starts_with("refusing to serve in production") && refused.contains(reason),
                "{change:?}: {refused}"
            );
        }
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
