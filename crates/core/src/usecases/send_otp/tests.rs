//! Every outcome of send-otp over the in-memory store (held to the Lua scripts' behaviour by
//! `ports::contract`), a recording SMS sender and seeded randomness, with its contract code.

use super::*;
use crate::domain::account::UserId;
use crate::domain::edge::EdgeSignals;
use crate::domain::otp::code_mac;
use crate::http::error::ErrorCode;
use crate::ports::contract::settings;
use crate::ports::{Caller, Counted, VerifyOutcome, VerifyRequest};
use crate::testing::FixedBotCheck;
use crate::testing::{BrokenRandom, FixedClock, InMemoryOtpStore, RecordingSms, SeededRandom};
use futures::executor::block_on;

const SECRET: &[u8] = b"0123456789abcdef0123456789abcdef";
const PHONE: &str = "+14155552671";

struct World {
    clock: FixedClock,
    sms: RecordingSms,
    rng: SeededRandom,
}

impl World {
    fn new() -> Self {
        Self {
            clock: FixedClock::at(1_900_000_000),
            sms: RecordingSms::default(),
            rng: SeededRandom::new(42),
        }
    }
}

fn send<S: OtpStore, R: SecureRandom>(
    store: &S,
    sms: &RecordingSms,
    rng: &R,
    s: &Settings,
    session_id: Option<&str>,
) -> Result<SendOtpOutput, SendOtpError> {
    let input = SendOtpInput {
        phone: &PhoneNumber::parse(PHONE, None).unwrap(),
        session_id,
        client_ip: "192.0.2.1",
        locale: None,
        accept_language: None,
        purpose: CodePurpose::Login,
        channel: None,
        edge: &EdgeSignals::default(),
        captcha_token: None,
    };
    run(store, sms, rng, s, &input)
}

/// send-otp with `input`, over the world's parts.
fn run<S: OtpStore, R: SecureRandom>(
    store: &S,
    sms: &RecordingSms,
    rng: &R,
    s: &Settings,
    input: &SendOtpInput<'_>,
) -> Result<SendOtpOutput, SendOtpError> {
    let deps = SendOtpDeps {
        store,
        sms,
        rng,
        clock: &FixedClock::at(1_900_000_000),
        bot: &FixedBotCheck::default(),
        settings: s,
        hmac_secret: SECRET,
    };
    block_on(send_otp(&deps, input))
}

/// Whether `code` for `session` is the stored one: verifies it, as a login would.
fn verifies(store: &impl OtpStore, s: &Settings, session: &SessionId, code: &str) -> bool {
    let phone = PhoneNumber::parse(PHONE, None).unwrap();
    let mac = code_mac(SECRET, &phone, session, &OtpCode::trusted(code.to_owned()));
    let request = VerifyRequest {
        phone: &phone,
        session,
        mac: &mac,
        client_ip: "192.0.2.9",
        caller: Caller::default(),
        settings: s,
    };
    block_on(store.verify(&request)).is_ok_and(|c| c == VerifyOutcome::Verified)
}

#[test]
fn a_code_is_sent_for_a_new_session_and_only_its_mac_is_stored() {
    let w = World::new();
    let store = InMemoryOtpStore::new(&w.clock);
    let s = settings(&[]);
    let sent = send(&store, &w.sms, &w.rng, &s, None).unwrap();
    assert_eq!((sent.expires_in, sent.resend_after), (120, 60));
    assert!(!sent.test_number);
    let [sms] = w.sms.sent().try_into().expect("one SMS");
    assert_eq!(sms.to, PHONE);
    let code = sms.code.clone().expect("a code");
    assert_eq!(code.len(), 6);
    assert!(code.bytes().all(|b| b.is_ascii_digit()));
    assert_eq!(
        sms.message,
        format!("Your code is {code}. It expires in 2 minutes.")
    );
    assert!(verifies(&store, &s, &sent.session_id, &code));
}

#[test]
fn a_session_the_client_names_is_kept() {
    let w = World::new();
    let store = InMemoryOtpStore::new(&w.clock);
    let s = settings(&[]);
    let sent = send(
        &store,
        &w.sms,
        &w.rng,
        &s,
        Some("client-session-0123456789"),
    )
    .unwrap();
    assert_eq!(sent.session_id.as_str(), "client-session-0123456789");
}

#[test]
fn a_test_number_gets_its_fixed_code_and_no_sms() {
    let w = World::new();
    let store = InMemoryOtpStore::new(&w.clock);
    let s = settings(&[("OTP_TEST_NUMBERS", "+14155552671=246810")]);
    let sent = send(&store, &w.sms, &w.rng, &s, None).unwrap();
    assert!(sent.test_number);
    assert!(w.sms.sent().is_empty());
    assert!(verifies(&store, &s, &sent.session_id, "246810"));
}

#[test]
fn a_failed_sms_withdraws_the_code_so_the_user_can_retry_at_once() {
    let w = World::new();
    let store = InMemoryOtpStore::new(&w.clock);
    let s = settings(&[]);
    w.sms.fail();
    let error = send(&store, &w.sms, &w.rng, &s, Some("retry-session-0123456789")).unwrap_err();
    assert!(matches!(error, SendOtpError::Sms(_)));
    let problem = error.problem();
    assert_eq!(problem.body.code, ErrorCode::SmsDeliveryFailed);
    assert_eq!(problem.body.http_status(), 502);
    let session = SessionId::parse("retry-session-0123456789").unwrap();
    let none_left = VerifyRequest {
        phone: &PhoneNumber::parse(PHONE, None).unwrap(),
        session: &session,
        mac: "anything",
        client_ip: "192.0.2.9",
        caller: Caller::default(),
        settings: &s,
    };
    assert_eq!(
        block_on(store.verify(&none_left)).unwrap(),
        VerifyOutcome::NotFound,
        "no unusable code is left behind"
    );
    let healthy = RecordingSms::default();
    assert!(
        send(&store, &healthy, &w.rng, &s, None).is_ok(),
        "the cooldown was withdrawn with the code"
    );
}

#[test]
fn a_second_send_inside_the_cooldown_is_429_with_retry_after() {
    let w = World::new();
    let store = InMemoryOtpStore::new(&w.clock);
    let s = settings(&[]);
    send(&store, &w.sms, &w.rng, &s, None).unwrap();
    w.clock.advance(15);
    let error = send(&store, &w.sms, &w.rng, &s, None).unwrap_err();
    let problem = error.problem();
    assert_eq!(problem.body.code, ErrorCode::RateLimited);
    assert_eq!(problem.retry_after_secs, Some(45));
    assert_eq!(w.sms.sent().len(), 1, "no SMS for a refused send");
}

#[test]
fn bad_input_is_refused_before_anything_is_stored_or_sent() {
    let w = World::new();
    let store = InMemoryOtpStore::new(&w.clock);
    let deny_us = settings(&[("SMS_DENIED_CALLING_CODES", "1")]);
    let error = send(&store, &w.sms, &w.rng, &deny_us, None).unwrap_err();
    assert_eq!(error, SendOtpError::CountryNotAllowed);
    assert_eq!(error.problem().body.code, ErrorCode::InvalidPhone);

    let s = settings(&[]);
    let error = send(&store, &w.sms, &w.rng, &s, Some("short")).unwrap_err();
    assert!(matches!(error, SendOtpError::InvalidSession(_)));
    assert_eq!(error.problem().body.code, ErrorCode::InvalidRequest);

    // A number that does not parse never reaches the use case: the edge answers it, in these
    // words.
    let why = PhoneNumber::parse("+1 not a number", None).unwrap_err();
    let problem = crate::usecases::invalid_phone(&why);
    assert_eq!(
        (problem.body.code, problem.body.http_status()),
        (ErrorCode::InvalidPhone, 400)
    );
    assert!(w.sms.sent().is_empty());
}

#[test]
fn a_failed_random_source_is_500_and_sends_nothing() {
    let w = World::new();
    let store = InMemoryOtpStore::new(&w.clock);
    let s = settings(&[]);
    let error = send(&store, &w.sms, &BrokenRandom, &s, None).unwrap_err();
    assert_eq!(error, SendOtpError::Random);
    assert_eq!(error.problem().body.code, ErrorCode::Internal);
    assert!(w.sms.sent().is_empty());
}

/// A store whose backend is down.
struct DownStore;

impl OtpStore for DownStore {
    async fn issue(&self, _: &IssueRequest<'_>) -> Result<Counted<IssueOutcome>, BackendError> {
        Err(BackendError::Unavailable("connection refused".into()))
    }
    async fn withdraw(&self, _: &IssueRequest<'_>) -> Result<(), BackendError> {
        Err(BackendError::Unavailable("connection refused".into()))
    }
    async fn verify(&self, _: &VerifyRequest<'_>) -> Result<Counted<VerifyOutcome>, BackendError> {
        Err(BackendError::Unavailable("connection refused".into()))
    }
    async fn remember_account(&self, _: &crate::domain::phone::PhoneNumber, _: &UserId) {}
    async fn forget_account(
        &self,
        _: &crate::domain::phone::PhoneNumber,
    ) -> Result<(), BackendError> {
        Err(BackendError::Unavailable("connection refused".into()))
    }
}

#[test]
fn a_store_that_is_down_is_503_and_sends_nothing() {
    let w = World::new();
    let s = settings(&[]);
    let error = send(&DownStore, &w.sms, &w.rng, &s, None).unwrap_err();
    assert_eq!(error.problem().body.code, ErrorCode::ServiceUnavailable);
    assert_eq!(error.problem().body.http_status(), 503);
    assert!(w.sms.sent().is_empty());
}

#[test]
fn the_sms_speaks_the_asked_language_and_a_bad_locale_sends_nothing() {
    let w = World::new();
    let store = InMemoryOtpStore::new(&w.clock);
    let s = settings(&[("SMS_ORIGIN_DOMAIN", "example.com")]);
    let deps = SendOtpDeps {
        store: &store,
        sms: &w.sms,
        rng: &w.rng,
        clock: &w.clock,
        bot: &FixedBotCheck::default(),
        settings: &s,
        hmac_secret: SECRET,
    };
    let no_signals = EdgeSignals::default();
    let phone = PhoneNumber::parse(PHONE, None).unwrap();
    let input = |locale, accept_language| SendOtpInput {
        phone: &phone,
        session_id: None,
        client_ip: "192.0.2.1",
        locale,
        accept_language,
        purpose: CodePurpose::Login,
        channel: None,
        edge: &no_signals,
        captcha_token: None,
    };
    block_on(send_otp(&deps, &input(None, Some("fr-CA, en;q=0.5")))).unwrap();
    let sent = w.sms.sent();
    let code = sent[0].code.as_ref().unwrap();
    assert_eq!(
        sent[0].message,
        format!("Votre code est {code}. Il expire dans 2 minutes.\n\n@example.com #{code}")
    );
    let refused = block_on(send_otp(&deps, &input(Some("<b>"), None))).unwrap_err();
    assert_eq!(refused, SendOtpError::InvalidLocale);
    assert_eq!(refused.problem().body.code, ErrorCode::InvalidRequest);
    assert_eq!(w.sms.sent().len(), 1, "a bad locale sends nothing");
}

/// send-otp on a channel of the client's choosing, as `s` allows.
fn send_on<R: SecureRandom>(
    store: &impl OtpStore,
    sms: &RecordingSms,
    rng: &R,
    s: &Settings,
    channel: &str,
    locale: Option<&str>,
) -> Result<SendOtpOutput, SendOtpError> {
    let input = SendOtpInput {
        phone: &PhoneNumber::parse(PHONE, None).unwrap(),
        session_id: None,
        client_ip: "192.0.2.1",
        locale,
        accept_language: None,
        purpose: CodePurpose::Login,
        channel: Some(channel),
        edge: &EdgeSignals::default(),
        captcha_token: None,
    };
    run(store, sms, rng, s, &input)
}

#[test]
fn a_code_goes_out_on_the_asked_channel_in_that_channels_words() {
    use crate::domain::delivery::Channel;
    let w = World::new();
    let store = InMemoryOtpStore::new(&w.clock);
    let s = settings(&[
        ("OTP_CHANNELS", "sms,whatsapp,voice"),
        ("OTP_RESEND_COOLDOWN_SECONDS", "0"),
    ]);
    let sent = send_on(&store, &w.sms, &w.rng, &s, "whatsapp", None).unwrap();
    assert_eq!(sent.channel, Channel::Whatsapp);
    let whatsapp = w.sms.sent().pop().unwrap();
    assert_eq!(whatsapp.channel, Channel::Whatsapp);
    assert!(whatsapp.message.starts_with(&format!(
        "Your code is {}.",
        whatsapp.code.as_ref().unwrap()
    )));

    let sent = send_on(&store, &w.sms, &w.rng, &s, "voice", Some("es")).unwrap();
    assert_eq!(sent.channel, Channel::Voice);
    let call = w.sms.sent().pop().unwrap();
    assert_eq!(call.voice_locale.as_deref(), Some("es-ES"));
    let digits: Vec<String> = call
        .code
        .as_ref()
        .unwrap()
        .chars()
        .map(String::from)
        .collect();
    assert_eq!(
        call.message.matches(&digits.join(", ")).count(),
        2,
        "{}",
        call.message
    );
    assert!(verifies(
        &store,
        &s,
        &sent.session_id,
        call.code.as_ref().unwrap()
    ));

    let refused = send_on(&store, &w.sms, &w.rng, &settings(&[]), "voice", None).unwrap_err();
    assert_eq!(refused, SendOtpError::ChannelNotOffered(Channel::Voice));
    let unknown = send_on(&store, &w.sms, &w.rng, &s, "pigeon", None).unwrap_err();
    for error in [refused, unknown] {
        assert_eq!(error.problem().body.code, ErrorCode::InvalidRequest);
    }
}

#[test]
fn a_refused_channel_falls_back_in_order_until_every_channel_has_refused() {
    use crate::domain::delivery::Channel;
    let w = World::new();
    let store = InMemoryOtpStore::new(&w.clock);
    let s = settings(&[
        ("OTP_CHANNELS", "sms,whatsapp,voice"),
        ("OTP_CHANNEL_FALLBACK", "sms,voice"),
        ("OTP_RESEND_COOLDOWN_SECONDS", "0"),
    ]);
    w.sms.fail_on(Channel::Whatsapp);
    let sent = send_on(&store, &w.sms, &w.rng, &s, "whatsapp", None).unwrap();
    assert_eq!(sent.channel, Channel::Sms, "the first fallback took it");
    w.sms.fail_on(Channel::Sms);
    let sent = send_on(&store, &w.sms, &w.rng, &s, "whatsapp", None).unwrap();
    assert_eq!(sent.channel, Channel::Voice, "then the next");
    let delivered: Vec<Channel> = w.sms.sent().iter().map(|m| m.channel).collect();
    assert_eq!(delivered, [Channel::Sms, Channel::Voice]);

    w.sms.fail_on(Channel::Voice);
    let failed = send_on(&store, &w.sms, &w.rng, &s, "whatsapp", None).unwrap_err();
    assert!(matches!(failed, SendOtpError::Sms(_)));
    assert_eq!(failed.problem().body.code, ErrorCode::SmsDeliveryFailed);
}
