//! The account a number's last login reached (`OtpStore::remember_account`), handed back with
//! the number's next verified code and with no other answer: the hint that saves a returning
//! number's login the phone's claim. And forgotten when the account is deleted
//! (`OtpStore::forget_account`).

use super::{phone, session, settings, Actor};
use crate::domain::account::UserId;
use crate::ports::{Caller, IssueOutcome, OtpStore, VerifyOutcome};

fn user(n: u8) -> UserId {
    UserId::parse(&format!("00000000-0000-4000-8000-0000000000{n:02}")).expect("a user id")
}

/// The verify's outcome and the account it handed back.
async fn check(store: &impl OtpStore, a: &Actor<'_>, mac: &str) -> (VerifyOutcome, Option<UserId>) {
    let counted = store
        .verify(&a.request(mac, Caller::default()))
        .await
        .expect("the store answers");
    (counted.outcome, counted.account)
}

pub(super) async fn a_verified_code_hands_back_the_account_the_numbers_last_login_reached(
    store: &impl OtpStore,
) {
    let s = settings(&[("OTP_RESEND_COOLDOWN_SECONDS", "0")]);
    let a = Actor {
        phone: phone(40),
        session: session("hint"),
        ip: "192.0.2.140",
        settings: &s,
    };
    let neighbour = Actor {
        phone: phone(41),
        session: session("neighbour"),
        ip: "192.0.2.141",
        settings: &s,
    };
    assert_eq!(a.issue(store, "mac-1").await, IssueOutcome::Issued);
    assert_eq!(
        check(store, &a, "mac-1").await,
        (VerifyOutcome::Verified, None),
        "a number no login reached has no account to hand back"
    );
    store.remember_account(&a.phone, &user(1)).await;
    assert_eq!(a.issue(store, "mac-2").await, IssueOutcome::Issued);
    assert_eq!(
        check(store, &a, "wrong").await.1,
        None,
        "a wrong code hands back nothing"
    );
    assert_eq!(
        check(store, &a, "mac-2").await,
        (VerifyOutcome::Verified, Some(user(1)))
    );
    assert_eq!(
        check(store, &a, "mac-2").await,
        (VerifyOutcome::NotFound, None),
        "a spent code hands back nothing"
    );
    assert_eq!(neighbour.issue(store, "mac-3").await, IssueOutcome::Issued);
    assert_eq!(
        check(store, &neighbour, "mac-3").await,
        (VerifyOutcome::Verified, None),
        "one number's account is not another's"
    );
    store.remember_account(&a.phone, &user(2)).await;
    assert_eq!(a.issue(store, "mac-4").await, IssueOutcome::Issued);
    assert_eq!(
        check(store, &a, "mac-4").await,
        (VerifyOutcome::Verified, Some(user(2))),
        "the latest login's account replaces the one before"
    );
}

pub(super) async fn a_forgotten_account_is_never_handed_back(store: &impl OtpStore) {
    let s = settings(&[("OTP_RESEND_COOLDOWN_SECONDS", "0")]);
    let a = Actor {
        phone: phone(42),
        session: session("forgotten"),
        ip: "192.0.2.142",
        settings: &s,
    };
    let neighbour = Actor {
        phone: phone(43),
        session: session("kept"),
        ip: "192.0.2.143",
        settings: &s,
    };
    store.remember_account(&a.phone, &user(3)).await;
    store.remember_account(&neighbour.phone, &user(4)).await;
    store
        .forget_account(&a.phone)
        .await
        .expect("the store forgets");
    assert_eq!(a.issue(store, "mac-5").await, IssueOutcome::Issued);
    assert_eq!(
        check(store, &a, "mac-5").await,
        (VerifyOutcome::Verified, None),
        "a deleted account's number is linked to nobody"
    );
    assert_eq!(neighbour.issue(store, "mac-6").await, IssueOutcome::Issued);
    assert_eq!(
        check(store, &neighbour, "mac-6").await,
        (VerifyOutcome::Verified, Some(user(4))),
        "forgetting one number keeps another's"
    );
    store
        .forget_account(&a.phone)
        .await
        .expect("forgetting a number with no account is no error");
}
