//! Login's outcomes over the in-memory stores (each held to its real adapter by a contract
//! suite): each refusal maps to its contract code and writes no account; a right code makes
//! the user once and signs a token for the session.

use super::*;
use crate::domain::admin::UserQuery;
use crate::domain::otp::{code_mac, OtpCode};
use crate::domain::phone::PhoneNumber;
use crate::domain::quota::Quota;
use crate::domain::secrets::RefreshToken;
use crate::http::error::ErrorCode;
use crate::ports::contract::settings;
use crate::ports::Limit;
use crate::ports::{Caller, IssueOutcome, IssueRequest};
use crate::testing::{
    CountingLender, FixedClock, FixedSigner, InMemoryAccounts, InMemoryOtpStore, SeededRandom,
};
use crate::usecases::code_check::CodeRejected;
use futures::executor::block_on;

const SECRET: &[u8] = b"0123456789abcdef0123456789abcdef";
const PHONE: &str = "+14155552671";
const SESSION: &str = "login-session-0123456789";

struct World {
    clock: FixedClock,
    rng: SeededRandom,
    signer: FixedSigner,
}

fn world() -> World {
    World {
        clock: FixedClock::at(1_900_000_000),
        rng: SeededRandom::new(7),
        signer: FixedSigner::default(),
    }
}

/// Stores `code` for the phone and session, as send-otp would.
fn issue(store: &impl OtpStore, s: &Settings, code: &str) {
    let phone = PhoneNumber::parse(PHONE, None).unwrap();
    let session = SessionId::parse(SESSION).unwrap();
    let mac = code_mac(SECRET, &phone, &session, &OtpCode::trusted(code.to_owned()));
    let request = IssueRequest {
        phone: &phone,
        session: &session,
        mac: &mac,
        client_ip: "192.0.2.1",
        caller: Caller::default(),
        settings: s,
    };
    assert_eq!(
        block_on(store.issue(&request)).unwrap(),
        IssueOutcome::Issued
    );
}

fn run(
    w: &World,
    store: &impl OtpStore,
    accounts: &impl AccountLender,
    s: &Settings,
    phone: &str,
    otp: &str,
    session_id: Option<&str>,
) -> Result<LoginOutput, LoginError> {
    let deps = LoginDeps {
        store,
        accounts,
        elsewhere: &[],
        signer: &w.signer,
        rng: &w.rng,
        clock: &w.clock,
        settings: s,
        hmac_secret: SECRET,
        region: None,
    };
    let input = LoginInput {
        phone: &PhoneNumber::parse(phone, None).unwrap(),
        otp,
        session_id,
        client_ip: "192.0.2.2",
        asn: None,
        user_agent: None,
        new_user_scope: &crate::domain::account::Scope::Unscoped,
        binding: None,
    };
    block_on(login(&deps, &input))
}

/// A refused login: no account was written.
fn attempt(
    w: &World,
    store: &impl OtpStore,
    s: &Settings,
    phone: &str,
    otp: &str,
    session_id: Option<&str>,
) -> LoginError {
    let accounts = InMemoryAccounts::new(&w.clock);
    let refused = run(w, store, &accounts, s, phone, otp, session_id).expect_err("refused");
    let everyone = UserQuery::parse([]).unwrap();
    let page = block_on(accounts.list_users(&everyone)).unwrap();
    assert_eq!(page.total, 0, "a refused login wrote an account");
    refused
}

#[test]
fn the_right_code_makes_the_user_once_and_starts_a_server_minted_session() {
    let w = world();
    let store = InMemoryOtpStore::new(&w.clock);
    let accounts = InMemoryAccounts::new(&w.clock);
    let s = settings(&[("OTP_RESEND_COOLDOWN_SECONDS", "0")]);
    issue(&store, &s, "123456");
    let first = run(&w, &store, &accounts, &s, PHONE, "123456", Some(SESSION)).unwrap();
    assert!(first.is_new_user);
    let first = first.tokens;
    assert_eq!(first.user.phone, PHONE);
    assert_ne!(
        first.session.as_str(),
        SESSION,
        "the client's session id only bound the code"
    );
    assert_eq!((first.expires_in, first.expires_at), (900, 1_900_000_900));
    assert_eq!(first.refresh_expires_at, 1_900_000_000 + 30 * 86_400);
    let presented = RefreshToken::parse(&first.refresh_token).unwrap();
    assert_eq!(
        presented.user_id, first.user.id,
        "the refresh token names its user"
    );
    assert_eq!(first.access_token.split('.').count(), 3, "a compact JWS");
    assert_eq!(
        run(&w, &store, &accounts, &s, PHONE, "123456", Some(SESSION)).unwrap_err(),
        LoginError::Code(CodeRejected::InvalidOtp),
        "a code logs in once"
    );
    issue(&store, &s, "654321");
    let again = run(&w, &store, &accounts, &s, PHONE, "654321", Some(SESSION)).unwrap();
    assert!(!again.is_new_user);
    assert_eq!(again.tokens.user.id, first.user.id);
    assert_ne!(
        again.tokens.session, first.session,
        "every login starts a new session, even from the same client session"
    );
}

#[test]
fn a_login_borrows_one_connection_and_a_wrong_code_none() {
    let w = world();
    let store = InMemoryOtpStore::new(&w.clock);
    let accounts = InMemoryAccounts::new(&w.clock);
    let lender = CountingLender::new(&accounts);
    let s = settings(&[]);
    issue(&store, &s, "123456");
    let wrong = run(&w, &store, &lender, &s, PHONE, "000000", Some(SESSION));
    assert_eq!(
        wrong.unwrap_err(),
        LoginError::Code(CodeRejected::InvalidOtp)
    );
    assert_eq!(lender.lends(), 0, "a wrong code reaches no database");
    run(&w, &store, &lender, &s, PHONE, "123456", Some(SESSION)).unwrap();
    assert_eq!(lender.lends(), 1, "the account write on one connection");
}

#[test]
fn a_failed_signer_is_500() {
    let w = World {
        signer: FixedSigner { fail: true },
        ..world()
    };
    let store = InMemoryOtpStore::new(&w.clock);
    let accounts = InMemoryAccounts::new(&w.clock);
    let s = settings(&[]);
    issue(&store, &s, "123456");
    let error = run(&w, &store, &accounts, &s, PHONE, "123456", Some(SESSION)).unwrap_err();
    assert!(matches!(error, LoginError::Token(_)));
    assert_eq!(error.problem().body.code, ErrorCode::Internal);
}

#[test]
fn malformed_input_is_400_and_counts_nothing() {
    let w = world();
    let store = InMemoryOtpStore::new(&w.clock);
    let s = settings(&[("OTP_MAX_ATTEMPTS", "1")]);
    issue(&store, &s, "123456");
    let cases = [
        (PHONE, "123456", None, ErrorCode::SessionRequired),
        (PHONE, "123456", Some(""), ErrorCode::SessionRequired),
        (PHONE, "123456", Some("bad"), ErrorCode::InvalidRequest),
        (PHONE, "12345", Some(SESSION), ErrorCode::InvalidRequest),
        (PHONE, "12a456", Some(SESSION), ErrorCode::InvalidRequest),
    ];
    for (phone, otp, session, code) in cases {
        let error = attempt(&w, &store, &s, phone, otp, session);
        assert_eq!(error.problem().body.code, code, "{phone} {otp} {session:?}");
        assert_eq!(error.problem().body.http_status(), 400);
    }
    // With one attempt allowed, any counted guess would have burned the code.
    let error = attempt(&w, &store, &s, PHONE, "654321", Some(SESSION));
    assert_eq!(
        error,
        LoginError::Code(CodeRejected::TooManyAttempts),
        "nothing was counted before"
    );
}

#[test]
fn a_wrong_code_is_401_then_429_once_burned() {
    let w = world();
    let store = InMemoryOtpStore::new(&w.clock);
    let s = settings(&[("OTP_MAX_ATTEMPTS", "2")]);
    issue(&store, &s, "123456");
    let error = attempt(&w, &store, &s, PHONE, "000000", Some(SESSION));
    assert_eq!(error, LoginError::Code(CodeRejected::InvalidOtp));
    let problem = error.problem();
    assert_eq!(
        (problem.body.code, problem.body.http_status()),
        (ErrorCode::InvalidOtp, 401)
    );
    let error = attempt(&w, &store, &s, PHONE, "000000", Some(SESSION));
    assert_eq!(error, LoginError::Code(CodeRejected::TooManyAttempts));
    assert_eq!(error.problem().body.http_status(), 429);
    assert_eq!(
        attempt(&w, &store, &s, PHONE, "123456", Some(SESSION)),
        LoginError::Code(CodeRejected::InvalidOtp),
        "the right code no longer works"
    );
}

#[test]
fn no_code_another_sessions_code_and_a_wrong_code_get_one_answer() {
    let w = world();
    let store = InMemoryOtpStore::new(&w.clock);
    let s = settings(&[]);
    let none = attempt(&w, &store, &s, PHONE, "123456", Some(SESSION)).problem();
    issue(&store, &s, "123456");
    let stranger = "stranger-session-0123456789";
    let other = attempt(&w, &store, &s, PHONE, "123456", Some(stranger)).problem();
    let wrong = attempt(&w, &store, &s, PHONE, "000000", Some(SESSION)).problem();
    assert_eq!(none.body, other.body);
    assert_eq!(none.body, wrong.body);
    assert_eq!(none.body.http_status(), 401);
    assert_eq!(
        (none.retry_after_secs, other.retry_after_secs),
        (None, None)
    );
    w.clock.advance(121);
    assert_eq!(
        attempt(&w, &store, &s, PHONE, "123456", Some(SESSION)),
        LoginError::Code(CodeRejected::InvalidOtp),
        "an expired code is the same answer"
    );
}

#[test]
fn a_limited_attempt_is_429_with_retry_after() {
    let w = world();
    let store = InMemoryOtpStore::new(&w.clock);
    let s = settings(&[
        ("IP_LOGINS_PER_WINDOW", "1"),
        ("IP_LOGIN_WINDOW_SECONDS", "600"),
    ]);
    attempt(&w, &store, &s, PHONE, "123456", Some(SESSION));
    w.clock.advance(100);
    let error = attempt(&w, &store, &s, PHONE, "123456", Some(SESSION));
    assert_eq!(
        error,
        LoginError::Code(CodeRejected::Limited {
            limit: Limit::ClientIp,
            retry_after_secs: 500,
            quota: Some(Quota {
                limit: 1,
                window_secs: 600,
                remaining: 0,
                reset_secs: 500
            })
        })
    );
    let problem = error.problem();
    assert_eq!(problem.body.code, ErrorCode::RateLimited);
    assert_eq!(problem.retry_after_secs, Some(500));
}
