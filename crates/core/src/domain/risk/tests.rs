use super::*;

fn policy(pairs: &[(&str, &str)]) -> RiskPolicy {
    let get = |name: &str| {
        pairs
            .iter()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| (*v).to_owned())
    };
    RiskPolicy::from_lookup(&get).unwrap()
}

fn edge(country: &str, bot_score: Option<u32>) -> EdgeSignals {
    EdgeSignals::from_raw(Some(country), Some(64_500), bot_score, None, None)
}

fn phone(number: &str) -> PhoneNumber {
    PhoneNumber::parse(number, None).unwrap()
}

#[test]
fn a_caller_at_home_sending_to_a_trusted_code_is_allowed() {
    let decision = policy(&[]).assess(&phone("+14155552671"), &edge("US", Some(80)));
    assert_eq!(
        decision,
        RiskDecision {
            action: Action::Allow,
            reasons: vec![],
            tripped: vec![]
        }
    );
    let unknown = policy(&[]).assess(&phone("+14155552671"), &EdgeSignals::default());
    assert_eq!(
        unknown.action,
        Action::Allow,
        "signals the edge did not give do not fire"
    );
}

#[test]
fn each_signal_fires_with_its_configured_action_and_the_strictest_wins() {
    let strict = policy(&[
        ("RISK_LOW_BOT_SCORE", "refuse"),
        ("RISK_COUNTRY_MISMATCH", "challenge"),
        ("RISK_UNTRUSTED_CALLING_CODE", "allow"),
    ]);
    let abroad = strict.assess(&phone("+14155552671"), &edge("DE", Some(80)));
    assert_eq!(abroad.action, Action::Challenge);
    assert_eq!(abroad.reasons, [RiskReason::CountryMismatch]);
    let bot = strict.assess(&phone("+14155552671"), &edge("DE", Some(5)));
    assert_eq!(bot.action, Action::Refuse);
    assert_eq!(
        bot.reasons,
        [RiskReason::CountryMismatch, RiskReason::LowBotScore]
    );
    // Iran (+98) is not trusted by default; here its action is allow, but the reason shows.
    let untrusted = strict.assess(&phone("+989121234567"), &edge("IR", None));
    assert_eq!(untrusted.action, Action::Allow);
    assert_eq!(untrusted.reasons, [RiskReason::UntrustedCallingCode]);
    assert_eq!(
        policy(&[])
            .assess(&phone("+989121234567"), &edge("IR", None))
            .action,
        Action::Challenge
    );
}

#[test]
fn the_captcha_settings_say_when_a_check_is_needed_and_what_an_outage_does() {
    let allow = RiskDecision {
        action: Action::Allow,
        reasons: vec![],
        tripped: vec![],
    };
    let challenge = RiskDecision {
        action: Action::Challenge,
        reasons: vec![RiskReason::LowBotScore],
        tripped: vec![],
    };
    assert!(!CaptchaMode::Never.requires_check(&challenge));
    assert!(CaptchaMode::Always.requires_check(&allow));
    assert!(!CaptchaMode::Risky.requires_check(&allow));
    assert!(CaptchaMode::Risky.requires_check(&challenge));
    assert!(CaptchaOutage::ClosedWhenRisky.sends(&allow));
    assert!(!CaptchaOutage::ClosedWhenRisky.sends(&challenge));
    assert!(CaptchaOutage::Open.sends(&challenge));
    assert!(!CaptchaOutage::Closed.sends(&allow));
    assert!(CaptchaMode::parse(Some("sometimes")).is_err());
    let bad = RiskPolicy::from_lookup(&|name: &str| {
        (name == "RISK_BOT_SCORE_BELOW").then(|| "0".to_owned())
    });
    assert!(bad.is_err());
}

#[test]
fn tor_and_an_unknown_country_count_as_a_mismatch() {
    let lenient = policy(&[]);
    for country in ["T1", "XX"] {
        let decision = lenient.assess(&phone("+14155552671"), &edge(country, Some(80)));
        assert_eq!(decision.reasons, [RiskReason::CountryMismatch], "{country}");
        assert_eq!(decision.action, Action::Challenge, "{country}");
    }
    let off = policy(&[("RISK_COUNTRY_MISMATCH", "allow")]);
    let decision = off.assess(&phone("+14155552671"), &edge("T1", Some(80)));
    assert_eq!(
        decision.action,
        Action::Allow,
        "the signal's own action applies"
    );
}
