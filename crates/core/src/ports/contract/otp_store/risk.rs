//! The OTP store's contract, continued: the risk counters (`risk::counters`). Sends that do
//! not turn into logins trip a breaker, per calling code and per network; a passed bot check
//! answers a challenge but not a refusal; a network has a volume budget; a breaker closes
//! after its cool-off. The sends here come from many sources (networks, addresses), as
//! pumping does: one source alone cannot move a record (`defences.rs`).

use super::{phone, session, Actor};
use crate::config::settings::Settings;
use crate::domain::phone::PhoneNumber;
use crate::domain::risk::{Action, RiskReason};
use crate::ports::contract::settings;
use crate::ports::{Caller, CounterHit, IssueOutcome, OtpStore, VerifyOutcome};

/// A breaker that trips after four unconverted sends, with the bot check configured so that
/// its challenge stops a send; `extra` overrides.
pub(super) fn tight(extra: &[(&'static str, &'static str)]) -> Settings {
    let mut vars = extra.to_vec();
    vars.extend_from_slice(&[
        ("OTP_RESEND_COOLDOWN_SECONDS", "0"),
        ("RISK_BREAKER_MIN_SENDS", "4"),
        ("RISK_BREAKER_MIN_CONVERSION_PERCENT", "50"),
        ("CAPTCHA", "risky"),
    ]);
    settings(&vars)
}

/// The client address of source `n` (a test's own range of them).
pub(super) fn address(n: u32) -> &'static str {
    Box::leak(format!("198.18.{}.{}", n / 250, n % 250 + 1).into_boxed_str())
}

/// Actor `n`: a +1 number of its own, from an address of its own.
pub(super) fn actor(s: &Settings, n: u32) -> Actor<'_> {
    Actor {
        phone: phone(40 + n),
        session: session("risk"),
        ip: address(n),
        settings: s,
    }
}

/// The time of every send here: the records' buckets come from the caller's clock, so the
/// scenarios move time by naming it.
pub(super) const T0: i64 = 1_900_000_000;

pub(super) fn from(asn: Option<u32>, human: bool) -> Caller {
    Caller {
        asn,
        human,
        now: T0,
    }
}

/// Network `n` of the scenarios' own.
pub(super) fn network(n: u32) -> Caller {
    from(Some(64_600 + n), false)
}

pub(super) fn hit(outcome: IssueOutcome) -> CounterHit {
    match outcome {
        IssueOutcome::Risky(hit) => {
            assert!(hit.retry_after_secs >= 1, "a stop says when to retry");
            hit
        }
        other => panic!("the counters should have stopped this send: {other:?}"),
    }
}

/// Four sends to +1 numbers that nobody logs in with, each from a network of its own.
pub(super) async fn pump(store: &impl OtpStore, s: &Settings, now: i64) {
    for n in 0..4 {
        let caller = Caller { now, ..network(n) };
        let sent = actor(s, n).issue_as(store, "m", caller).await;
        assert_eq!(sent, IssueOutcome::Issued, "send {n} is below the minimum");
    }
}

/// Unconverted sends to +1 numbers from one new network each, until the calling code's breaker
/// trips (within ten).
pub(super) async fn trip_the_calling_code(store: &impl OtpStore, s: &Settings) {
    for n in 0..10 {
        if let IssueOutcome::Risky(stop) = actor(s, n).issue_as(store, "m", network(n)).await {
            assert!(stop.tripped_calling_code, "{stop:?}");
            return;
        }
    }
    panic!("ten unconverted sends did not trip the calling code's breaker");
}

pub(super) async fn sends_that_do_not_convert_trip_the_calling_codes_breaker(
    store: &impl OtpStore,
) {
    let s = tight(&[]);
    pump(store, &s, T0).await;
    let tripped = hit(actor(&s, 5).issue_as(store, "m", network(5)).await);
    assert_eq!(
        (tripped.action, tripped.reason, tripped.tripped_calling_code),
        (Action::Challenge, RiskReason::CallingCodeBreaker, true)
    );
    assert_eq!(tripped.retry_after_secs, 900, "the cool-off");
    let open = hit(actor(&s, 6).issue_as(store, "m", network(6)).await);
    assert_eq!(
        (open.reason, open.tripped_calling_code),
        (RiskReason::CallingCodeBreaker, false),
        "tripped once, open since"
    );
    let uk = Actor {
        phone: PhoneNumber::parse("+447911123456", None).unwrap(),
        ..actor(&s, 7)
    };
    assert_eq!(
        uk.issue_as(store, "m", network(7)).await,
        IssueOutcome::Issued,
        "another calling code has its own breaker"
    );
}

pub(super) async fn logins_keep_the_breaker_closed(store: &impl OtpStore) {
    let s = tight(&[]);
    for n in 0..8 {
        let a = actor(&s, n);
        let sent = a.issue_as(store, "right", network(n)).await;
        assert_eq!(sent, IssueOutcome::Issued, "send {n}");
        let login = a.verify_from(store, "right", &a.session, network(n)).await;
        assert_eq!(login, VerifyOutcome::Verified);
    }
    // Half of these never log in: 8 logins of 12 sends is above the 50% line.
    for n in 8..13 {
        let sent = actor(&s, n).issue_as(store, "m", network(n)).await;
        assert_eq!(sent, IssueOutcome::Issued, "send {n}");
    }
    // Wrong codes and strangers are not logins: they do not hold it closed.
    for n in 13..30 {
        let a = actor(&s, n);
        a.issue_as(store, "right", network(n)).await;
        a.verify_from(store, "wrong", &a.session, network(n)).await;
    }
    let stopped = actor(&s, 31).issue_as(store, "m", network(31)).await;
    assert_eq!(hit(stopped).reason, RiskReason::CallingCodeBreaker);
}

pub(super) async fn a_passed_bot_check_answers_a_challenge_but_not_a_refusal(
    store: &impl OtpStore,
) {
    let s = tight(&[]);
    pump(store, &s, T0).await;
    let challenged = hit(actor(&s, 5).issue_as(store, "m", network(5)).await);
    assert_eq!(challenged.action, Action::Challenge);
    let human = Caller {
        human: true,
        ..network(5)
    };
    assert_eq!(
        actor(&s, 5).issue_as(store, "m", human).await,
        IssueOutcome::Issued,
        "a caller who passed the check is sent the code"
    );

    let strict = tight(&[("RISK_BREAKER", "refuse")]);
    let other_code = |n: u32| Actor {
        phone: PhoneNumber::parse(&format!("+4479111234{n:02}"), None).unwrap(),
        ..actor(&strict, n)
    };
    for n in 0..4 {
        let sent = other_code(n).issue_as(store, "m", network(n)).await;
        assert_eq!(sent, IssueOutcome::Issued);
    }
    let human = Caller {
        human: true,
        ..network(5)
    };
    let refused = hit(other_code(5).issue_as(store, "m", human).await);
    assert_eq!(
        (refused.action, refused.tripped_calling_code),
        (Action::Refuse, true),
        "an operator's refuse stops even a caller who passed the check"
    );
}

pub(super) async fn a_network_has_its_own_breaker_and_volume_budget(store: &impl OtpStore) {
    // The network's breaker: numbers of two calling codes, so neither code reaches its own
    // minimum of four while the network sends four, from four addresses.
    let s = tight(&[]);
    let pumping = network(50);
    for n in 0..2 {
        actor(&s, n).issue_as(store, "m", pumping).await;
        let uk = Actor {
            phone: PhoneNumber::parse(&format!("+4479111235{n:02}"), None).unwrap(),
            ..actor(&s, 10 + n)
        };
        assert_eq!(uk.issue_as(store, "m", pumping).await, IssueOutcome::Issued);
    }
    let tripped = hit(actor(&s, 3).issue_as(store, "m", pumping).await);
    assert_eq!(
        (
            tripped.reason,
            tripped.tripped_asn,
            tripped.tripped_calling_code
        ),
        (RiskReason::AsnBreaker, true, false)
    );
    assert_eq!(
        actor(&s, 3).issue_as(store, "m", network(51)).await,
        IssueOutcome::Issued,
        "another network is not stopped"
    );

    // The volume budget, with the breaker off.
    let budget = settings(&[
        ("OTP_RESEND_COOLDOWN_SECONDS", "0"),
        ("RISK_BREAKER", "allow"),
        ("RISK_ASN_SENDS_PER_WINDOW", "3"),
        ("RISK_ASN_VOLUME", "refuse"),
    ]);
    let busy = network(52);
    for n in 0..3 {
        let sent = actor(&budget, 50 + n).issue_as(store, "m", busy).await;
        assert_eq!(sent, IssueOutcome::Issued);
    }
    let over = hit(actor(&budget, 54).issue_as(store, "m", busy).await);
    assert_eq!(
        (over.action, over.reason),
        (Action::Refuse, RiskReason::AsnVolume)
    );
    assert_eq!(
        actor(&budget, 54)
            .issue_as(store, "m", from(None, false))
            .await,
        IssueOutcome::Issued,
        "a caller without a network is counted by the other limits only"
    );
}

pub(super) async fn an_open_breaker_closes_after_its_cool_off_with_fresh_counts(
    store: &impl OtpStore,
) {
    let s = tight(&[]);
    pump(store, &s, T0).await;
    assert!(hit(actor(&s, 5).issue_as(store, "m", network(5)).await).tripped_calling_code);
    let later = |secs: i64| Caller {
        now: T0 + secs,
        ..network(5)
    };
    let still = hit(actor(&s, 5).issue_as(store, "m", later(899)).await);
    assert_eq!(still.retry_after_secs, 1);
    // Closed, and the sends before the trip no longer count: four new ones pass.
    pump(store, &s, T0 + 900).await;
    assert!(hit(actor(&s, 5).issue_as(store, "m", later(900)).await).tripped_calling_code);
}

pub(super) async fn a_withdrawn_send_is_not_judged(store: &impl OtpStore) {
    let s = tight(&[]);
    let caller = network(60);
    // Six codes no SMS carried (a provider's outage): withdrawn, they are not sends.
    for n in 0..6 {
        let a = actor(&s, 70 + n);
        let sent = a.issue_as(store, "unsent", caller).await;
        assert_eq!(sent, IssueOutcome::Issued);
        a.withdraw_as(store, "unsent", caller).await;
    }
    assert_eq!(
        actor(&s, 77).issue_as(store, "m", caller).await,
        IssueOutcome::Issued,
        "the network's breaker does not trip on sends that never went out"
    );
    // Withdrawing another code (not the stored one) takes nothing back: four real sends trip.
    for n in 78..81 {
        let a = actor(&s, n);
        a.issue_as(store, "sent", caller).await;
        a.withdraw_as(store, "other", caller).await;
    }
    assert!(hit(actor(&s, 81).issue_as(store, "m", caller).await).tripped_asn);
}
