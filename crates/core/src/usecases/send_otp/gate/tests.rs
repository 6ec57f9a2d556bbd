//! send-otp behind the gate, over the in-memory store, a recording sender and a fixed bot
//! check: a risky send needs a passed check (`CAPTCHA=risky`), a refused one sends nothing,
//! and an outage of the check fails closed only for risky sends (by default).

use super::super::{send_otp, SendOtpDeps, SendOtpError, SendOtpInput, SendOtpOutput};
use crate::config::settings::Settings;
use crate::domain::edge::EdgeSignals;
use crate::domain::otp::CodePurpose;
use crate::domain::risk::counters::Scope;
use crate::domain::risk::{RiskReason, Trip};
use crate::http::error::ErrorCode;
use crate::ports::contract::settings;
use crate::testing::{FixedBotCheck, FixedClock, InMemoryOtpStore, RecordingSms, SeededRandom};
use futures::executor::block_on;

const PASSED: &str = "a-passed-challenge-token";

struct World {
    clock: FixedClock,
    sms: RecordingSms,
    rng: SeededRandom,
    bot: FixedBotCheck,
}

impl World {
    fn new() -> Self {
        Self {
            clock: FixedClock::at(1_900_000_000),
            sms: RecordingSms::default(),
            rng: SeededRandom::new(5),
            bot: FixedBotCheck::accepting(&[PASSED]),
        }
    }

    /// A send to `phone` from a caller in `country`, with `token` when given.
    fn send(
        &self,
        store: &InMemoryOtpStore<'_, FixedClock>,
        s: &Settings,
        phone: &str,
        country: &str,
        token: Option<&str>,
    ) -> Result<SendOtpOutput, SendOtpError> {
        let deps = SendOtpDeps {
            store,
            sms: &self.sms,
            rng: &self.rng,
            clock: &self.clock,
            bot: &self.bot,
            settings: s,
            hmac_secret: b"0123456789abcdef0123456789abcdef",
        };
        let edge = EdgeSignals::from_raw(Some(country), Some(64_500), Some(70), None, None);
        let input = SendOtpInput {
            phone: &crate::domain::phone::PhoneNumber::parse(phone, None).unwrap(),
            session_id: None,
            client_ip: "198.51.100.7",
            locale: None,
            accept_language: None,
            purpose: CodePurpose::Login,
            channel: None,
            edge: &edge,
            captcha_token: token,
        };
        block_on(send_otp(&deps, &input))
    }
}

#[test]
fn a_risky_send_needs_a_passed_bot_check_and_a_safe_one_does_not() {
    let w = World::new();
    let store = InMemoryOtpStore::new(&w.clock);
    let s = settings(&[("CAPTCHA", "risky")]);
    assert!(
        w.send(&store, &s, "+14155552671", "US", None).is_ok(),
        "at home: no check"
    );
    assert!(w.bot.asked().is_empty());

    let required = w.send(&store, &s, "+14155552672", "DE", None).unwrap_err();
    assert!(matches!(required, SendOtpError::CaptchaRequired(_)));
    assert_eq!(required.problem().body.code, ErrorCode::CaptchaRequired);
    let failed = w
        .send(&store, &s, "+14155552672", "DE", Some("forged"))
        .unwrap_err();
    assert_eq!(failed.problem().body.code, ErrorCode::CaptchaFailed);
    assert_eq!(w.sms.sent().len(), 1, "neither refusal sent anything");

    assert!(w
        .send(&store, &s, "+14155552672", "DE", Some(PASSED))
        .is_ok());
    assert_eq!(w.sms.sent().len(), 2);
    let (token, ip) = w.bot.asked().pop().unwrap();
    assert_eq!(
        (token.as_str(), ip.as_deref()),
        (PASSED, Some("198.51.100.7"))
    );
}

#[test]
fn a_refusing_signal_sends_nothing_and_names_itself() {
    let w = World::new();
    let store = InMemoryOtpStore::new(&w.clock);
    let s = settings(&[("RISK_UNTRUSTED_CALLING_CODE", "refuse")]);
    let refused = w
        .send(&store, &s, "+989121234567", "IR", Some(PASSED))
        .unwrap_err();
    let body = refused.problem().body;
    assert_eq!(
        (body.http_status(), body.code),
        (403, ErrorCode::SendRefused)
    );
    assert_eq!(body.details.as_deref(), Some("untrusted_calling_code"));
    assert!(w.sms.sent().is_empty() && w.bot.asked().is_empty());
}

#[test]
fn an_outage_of_the_check_fails_closed_only_for_risky_sends_by_default() {
    let w = World::new();
    let store = InMemoryOtpStore::new(&w.clock);
    w.bot.go_down();
    let always = settings(&[("CAPTCHA", "always")]);
    assert!(
        w.send(&store, &always, "+14155552671", "US", Some(PASSED))
            .is_ok(),
        "a safe send goes ahead"
    );
    let risky = w
        .send(&store, &always, "+14155552673", "DE", Some(PASSED))
        .unwrap_err();
    assert!(matches!(risky, SendOtpError::CaptchaUnavailable(_)));
    assert_eq!(risky.problem().body.http_status(), 503);
    let open = settings(&[("CAPTCHA", "always"), ("CAPTCHA_OUTAGE", "open")]);
    assert!(w
        .send(&store, &open, "+14155552673", "DE", Some(PASSED))
        .is_ok());
}

/// Three unconverted sends to +1 numbers, from a caller at home (no static signal fires).
fn pumped(w: &World, store: &InMemoryOtpStore<'_, FixedClock>, s: &Settings) {
    for n in 0..3 {
        let phone = format!("+1415555270{n}");
        assert!(w.send(store, s, &phone, "US", None).is_ok(), "send {n}");
    }
}

#[test]
fn when_sends_stop_converting_the_counters_ask_for_the_check_and_a_passed_one_sends() {
    let w = World::new();
    let store = InMemoryOtpStore::new(&w.clock);
    let s = settings(&[
        ("CAPTCHA", "risky"),
        ("RISK_BREAKER_MIN_SENDS", "3"),
        ("OTP_RESEND_COOLDOWN_SECONDS", "0"),
    ]);
    pumped(&w, &store, &s);
    assert!(w.bot.asked().is_empty());

    let SendOtpError::CaptchaRequired(decision) =
        w.send(&store, &s, "+14155552710", "US", None).unwrap_err()
    else {
        panic!("the tripped breaker asks for the check");
    };
    assert_eq!(decision.reasons, [RiskReason::CallingCodeBreaker]);
    // The caller's network sent them all: its breaker trips with the calling code's.
    assert_eq!(
        decision.tripped,
        [
            Trip {
                scope: Scope::CallingCode,
                key: 1
            },
            Trip {
                scope: Scope::Asn,
                key: 64_500
            }
        ]
    );
    let failed = w
        .send(&store, &s, "+14155552710", "US", Some("forged"))
        .unwrap_err();
    assert!(matches!(failed, SendOtpError::CaptchaFailed(ref d) if d.tripped.is_empty()));
    assert_eq!(
        w.sms.sent().len(),
        3,
        "nothing sent while the breaker is open"
    );

    let sent = w.send(&store, &s, "+14155552710", "US", Some(PASSED));
    assert!(sent.is_ok(), "{sent:?}");
    assert_eq!(w.sms.sent().len(), 4);
    assert_eq!(
        w.bot.asked().len(),
        2,
        "the forged token and the passed one"
    );
}

#[test]
fn without_a_bot_check_an_open_breaker_lets_the_send_through_and_says_which() {
    let w = World::new();
    let store = InMemoryOtpStore::new(&w.clock);
    let s = settings(&[
        ("RISK_BREAKER_MIN_SENDS", "3"),
        ("OTP_RESEND_COOLDOWN_SECONDS", "0"),
    ]);
    pumped(&w, &store, &s);
    let sent = w
        .send(&store, &s, "+14155552710", "US", None)
        .expect("no check to ask: the send goes through");
    assert_eq!(
        sent.decision.reasons,
        [RiskReason::CallingCodeBreaker, RiskReason::AsnBreaker],
        "the log and the metrics say which breakers are open"
    );
    assert_eq!(sent.decision.tripped.len(), 2, "{:?}", sent.decision);
    assert_eq!(w.sms.sent().len(), 4);
    assert!(w.bot.asked().is_empty(), "no check is configured to ask");
    let again = w.send(&store, &s, "+447911123456", "GB", None).unwrap();
    assert!(again.decision.reasons.contains(&RiskReason::AsnBreaker));
    assert!(again.decision.tripped.is_empty(), "tripped once");

    // Only an operator's refuse refuses.
    let strict = settings(&[
        ("RISK_BREAKER", "refuse"),
        ("RISK_BREAKER_MIN_SENDS", "3"),
        ("OTP_RESEND_COOLDOWN_SECONDS", "0"),
    ]);
    let refused = w
        .send(&store, &strict, "+14155552711", "US", Some(PASSED))
        .unwrap_err();
    let problem = refused.problem();
    assert_eq!(problem.body.code, ErrorCode::SendRefused);
}
