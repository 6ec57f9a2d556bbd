//! The OTP store's contract, continued: a refused send leaves no trace. A store may check a
//! send's limits in separate steps (one per Redis Cluster slot, `auth_adapters::upstash`); once
//! it answers, a refusal has counted nowhere and changed no one's code.

use super::{limit_of, phone, session, Actor};
use crate::ports::contract::settings;
use crate::ports::{Limit, OtpStore, VerifyOutcome};

/// An address at its limit sends for someone else's number: the number's code, its attempts
/// and its sends in the window are as they were.
pub(super) async fn a_send_refused_by_a_shared_limit_leaves_the_phone_as_it_was(
    store: &impl OtpStore,
) {
    let s = settings(&[
        ("OTP_RESEND_COOLDOWN_SECONDS", "0"),
        ("OTP_SENDS_PER_WINDOW", "2"),
        ("IP_SENDS_PER_WINDOW", "1"),
    ]);
    let from = |ip| Actor {
        phone: phone(80),
        session: session("victim"),
        ip,
        settings: &s,
    };
    let victim = from("192.0.2.80");
    assert_eq!(limit_of(victim.issue(store, "first").await), None);
    assert_eq!(
        victim.verify(store, "bad").await,
        VerifyOutcome::Mismatch { attempts_left: 4 }
    );
    let attacker = Actor {
        phone: phone(81),
        ..from("192.0.2.81")
    };
    assert_eq!(limit_of(attacker.issue(store, "own").await), None);
    assert_eq!(
        limit_of(from("192.0.2.81").issue(store, "second").await),
        Some(Limit::ClientIp),
        "the attacker's address is spent"
    );
    assert_eq!(
        victim.verify(store, "bad").await,
        VerifyOutcome::Mismatch { attempts_left: 3 },
        "the first code is back, with the attempt it had used"
    );
    assert_eq!(victim.verify(store, "first").await, VerifyOutcome::Verified);
    assert_eq!(
        limit_of(from("192.0.2.82").issue(store, "third").await),
        None,
        "the refused send did not count in the number's window"
    );
    assert_eq!(
        limit_of(from("192.0.2.83").issue(store, "fourth").await),
        Some(Limit::PhoneWindow)
    );
}

/// Sends the phone refuses (its cooldown), or the address refuses, spend none of the address's
/// or the service's budget.
pub(super) async fn a_refused_send_spends_no_shared_budget(store: &impl OtpStore) {
    let s = settings(&[
        ("OTP_RESEND_COOLDOWN_SECONDS", "60"),
        ("IP_SENDS_PER_WINDOW", "2"),
        ("GLOBAL_SENDS_PER_WINDOW", "3"),
    ]);
    let at = |n: u32, ip| Actor {
        phone: phone(90 + n),
        session: session("budget"),
        ip,
        settings: &s,
    };
    assert_eq!(limit_of(at(0, "192.0.2.90").issue(store, "m").await), None);
    for _ in 0..3 {
        assert_eq!(
            limit_of(at(0, "192.0.2.90").issue(store, "m").await),
            Some(Limit::Cooldown)
        );
    }
    assert_eq!(
        limit_of(at(1, "192.0.2.90").issue(store, "m").await),
        None,
        "the cooldown's refusals did not spend the address"
    );
    assert_eq!(
        limit_of(at(2, "192.0.2.90").issue(store, "m").await),
        Some(Limit::ClientIp)
    );
    assert_eq!(
        limit_of(at(3, "192.0.2.91").issue(store, "m").await),
        None,
        "no refusal spent the service's budget: this is its third send"
    );
    assert_eq!(
        limit_of(at(4, "192.0.2.92").issue(store, "m").await),
        Some(Limit::GlobalBudget)
    );
}
