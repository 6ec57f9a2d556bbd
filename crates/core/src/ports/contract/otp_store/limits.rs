//! The OTP store's contract, continued: what limits logins (consecutive failures and locks,
//! client addresses, strangers without the code's session) and sends (country and service
//! budgets).

use super::{limit_of, phone, session, Actor};
use crate::domain::phone::PhoneNumber;
use crate::ports::contract::settings;
use crate::ports::{IssueOutcome, Limit, OtpStore, VerifyOutcome};

pub(super) async fn consecutive_failures_lock_the_phone(store: &impl OtpStore) {
    let s = settings(&[
        ("FAILED_LOGIN_CEILING", "3"),
        ("OTP_RESEND_COOLDOWN_SECONDS", "0"),
    ]);
    let a = Actor {
        phone: phone(11),
        session: session("lock"),
        ip: "192.0.2.11",
        settings: &s,
    };
    a.issue(store, "one").await;
    a.verify(store, "bad").await;
    a.verify(store, "bad").await;
    a.issue(store, "two").await;
    assert_eq!(
        a.verify(store, "bad").await,
        VerifyOutcome::Burned,
        "failures add up across codes"
    );
    assert!(matches!(
        a.verify(store, "two").await,
        VerifyOutcome::Limited {
            limit: Limit::Locked,
            ..
        }
    ));
    assert_eq!(limit_of(a.issue(store, "three").await), Some(Limit::Locked));

    let b = Actor {
        phone: phone(12),
        session: session("reset"),
        ip: "192.0.2.12",
        settings: &s,
    };
    b.issue(store, "one").await;
    b.verify(store, "bad").await;
    b.verify(store, "bad").await;
    assert_eq!(b.verify(store, "one").await, VerifyOutcome::Verified);
    b.issue(store, "two").await;
    assert_eq!(
        b.verify(store, "bad").await,
        VerifyOutcome::Mismatch { attempts_left: 4 },
        "a success resets the consecutive failures"
    );
}

pub(super) async fn logins_are_limited_per_address(store: &impl OtpStore) {
    let s = settings(&[("IP_LOGINS_PER_WINDOW", "2")]);
    let a = Actor {
        phone: phone(13),
        session: session("ip"),
        ip: "192.0.2.13",
        settings: &s,
    };
    assert_eq!(a.verify(store, "m").await, VerifyOutcome::NotFound);
    assert_eq!(a.verify(store, "m").await, VerifyOutcome::NotFound);
    assert!(matches!(
        a.verify(store, "m").await,
        VerifyOutcome::Limited {
            limit: Limit::ClientIp,
            ..
        }
    ));
}

pub(super) async fn locks_double_and_only_a_success_resets_the_failures(
    store: &impl OtpStore,
    wait: &impl AsyncFn(u64),
) {
    let s = settings(&[
        ("FAILED_LOGIN_CEILING", "2"),
        ("LOCKOUT_SECONDS", "1"),
        ("OTP_RESEND_COOLDOWN_SECONDS", "0"),
        ("OTP_SENDS_PER_WINDOW", "10"),
    ]);
    let a = Actor {
        phone: phone(14),
        session: session("double"),
        ip: "192.0.2.14",
        settings: &s,
    };
    let locked = |outcome: VerifyOutcome| match outcome {
        VerifyOutcome::Limited {
            limit: Limit::Locked,
            retry_after_secs,
        } => retry_after_secs,
        other => panic!("expected the phone locked, got {other:?}"),
    };
    a.issue(store, "one").await;
    a.verify(store, "bad").await;
    assert_eq!(a.verify(store, "bad").await, VerifyOutcome::Burned);
    assert_eq!(locked(a.verify(store, "one").await), 1, "the first lock");
    wait(1_100).await;
    assert_eq!(
        a.issue(store, "two").await,
        IssueOutcome::Issued,
        "the lock expired"
    );
    assert_eq!(
        a.verify(store, "bad").await,
        VerifyOutcome::Burned,
        "the failures survived the lock: one more locks again"
    );
    assert_eq!(locked(a.verify(store, "two").await), 2, "twice as long");
    wait(2_100).await;
    assert_eq!(a.issue(store, "three").await, IssueOutcome::Issued);
    assert_eq!(a.verify(store, "three").await, VerifyOutcome::Verified);
    assert_eq!(a.issue(store, "four").await, IssueOutcome::Issued);
    assert_eq!(
        a.verify(store, "bad").await,
        VerifyOutcome::Mismatch { attempts_left: 4 },
        "a success reset the failures"
    );
}

pub(super) async fn strangers_neither_burn_the_code_nor_lock_the_phone(store: &impl OtpStore) {
    let s = settings(&[
        ("OTP_MAX_ATTEMPTS", "2"),
        ("FAILED_LOGIN_CEILING", "2"),
        ("PHONE_GUESSES_PER_WINDOW", "3"),
    ]);
    let victim = Actor {
        phone: phone(15),
        session: session("victim"),
        ip: "192.0.2.15",
        settings: &s,
    };
    let stranger = Actor {
        phone: phone(15),
        session: session("stranger"),
        ip: "198.51.100.15",
        settings: &s,
    };
    assert_eq!(
        stranger.verify(store, "guess").await,
        VerifyOutcome::NotFound,
        "no code yet"
    );
    victim.issue(store, "right").await;
    for _ in 0..2 {
        assert_eq!(
            stranger.verify(store, "guess").await,
            VerifyOutcome::NotFound,
            "a pending code looks like none to another session"
        );
    }
    assert!(
        matches!(
            stranger.verify(store, "right").await,
            VerifyOutcome::Limited {
                limit: Limit::PhoneGuesses,
                ..
            }
        ),
        "the phone's budget for other sessions' logins is spent"
    );
    assert_eq!(
        victim.verify(store, "right").await,
        VerifyOutcome::Verified,
        "the code's own session logs in on the first try"
    );
}

pub(super) async fn sends_stop_at_the_country_and_service_budgets(store: &impl OtpStore) {
    let s = settings(&[
        ("COUNTRY_SENDS_PER_WINDOW", "3"),
        ("COUNTRY_SEND_BUDGETS", "44=1"),
        ("GLOBAL_SENDS_PER_WINDOW", "5"),
    ]);
    let at = |number: &str, ip| Actor {
        phone: PhoneNumber::parse(number, None).expect("a valid number"),
        session: session("budget"),
        ip,
        settings: &s,
    };
    // Each send to another number from another address: only the budgets can refuse.
    let us = [
        "+14155552701",
        "+14155552702",
        "+14155552703",
        "+14155552704",
    ];
    for (i, number) in us.iter().enumerate() {
        let expected = if i < 3 {
            None
        } else {
            Some(Limit::CountryBudget)
        };
        let ip = ["192.0.2.31", "192.0.2.32", "192.0.2.33", "192.0.2.34"][i];
        assert_eq!(
            limit_of(at(number, ip).issue(store, "m").await),
            expected,
            "{number}"
        );
    }
    let uk = at("+447911123456", "192.0.2.35");
    assert_eq!(
        limit_of(uk.issue(store, "m").await),
        None,
        "another country"
    );
    let uk2 = at("+447911123457", "192.0.2.36");
    assert_eq!(
        limit_of(uk2.issue(store, "m").await),
        Some(Limit::CountryBudget),
        "the country's own budget"
    );
    let iran = at("+989121234567", "192.0.2.37");
    assert_eq!(limit_of(iran.issue(store, "m").await), None);
    let iran2 = at("+989121234568", "192.0.2.38");
    assert_eq!(
        limit_of(iran2.issue(store, "m").await),
        Some(Limit::GlobalBudget),
        "five sent in all"
    );
}
