//! The OTP store's contract, continued: the risk counters (`risk::counters`). Sends that do
//! not turn into logins trip a breaker, per calling code and per network; a passed bot check
//! answers a challenge but not a refusal; a network has a volume budget; a breaker closes
//! after its cool-off.

use super::{phone, session, Actor};
use crate::phone::PhoneNumber;
use crate::ports::{Caller, CounterHit, IssueOutcome, OtpStore, VerifyOutcome};
use crate::risk::{Action, RiskReason};
use crate::settings::Settings;
use crate::testing::contract::settings;

/// A breaker that trips after four unconverted sends (no bot check configured, so its
/// challenge refuses).
fn tight(extra: &[(&'static str, &'static str)]) -> Settings {
    let mut vars = vec![
        ("OTP_RESEND_COOLDOWN_SECONDS", "0"),
        ("RISK_BREAKER_MIN_SENDS", "4"),
        ("RISK_BREAKER_MIN_CONVERSION_PERCENT", "50"),
    ];
    vars.extend_from_slice(extra);
    settings(&vars)
}

fn actor(s: &Settings, n: u32) -> Actor<'_> {
    Actor {
        phone: phone(40 + n),
        session: session("risk"),
        ip: "192.0.2.40",
        settings: s,
    }
}

/// The time of every send here: the records' buckets come from the caller's clock, so the
/// scenarios move time by naming it.
const T0: i64 = 1_900_000_000;

fn from(asn: Option<u32>, human: bool) -> Caller {
    Caller {
        asn,
        human,
        now: T0,
    }
}

fn hit(outcome: IssueOutcome) -> CounterHit {
    match outcome {
        IssueOutcome::Risky(hit) => {
            assert!(hit.retry_after_secs >= 1, "a stop says when to retry");
            hit
        }
        other => panic!("the counters should have stopped this send: {other:?}"),
    }
}

/// Four sends to +1 numbers that nobody logs in with.
async fn pump(store: &impl OtpStore, s: &Settings, caller: Caller) {
    for n in 0..4 {
        let sent = actor(s, n).issue_as(store, "m", caller).await;
        assert_eq!(sent, IssueOutcome::Issued, "send {n} is below the minimum");
    }
}

pub(super) async fn sends_that_do_not_convert_trip_the_calling_codes_breaker(
    store: &impl OtpStore,
) {
    let s = tight(&[]);
    pump(store, &s, from(None, false)).await;
    let tripped = hit(actor(&s, 5).issue_as(store, "m", from(None, false)).await);
    assert_eq!(
        (tripped.action, tripped.reason, tripped.tripped_calling_code),
        (Action::Refuse, RiskReason::CallingCodeBreaker, true)
    );
    assert_eq!(tripped.retry_after_secs, 900, "the cool-off");
    let open = hit(actor(&s, 6).issue_as(store, "m", from(None, false)).await);
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
        uk.issue_as(store, "m", from(None, false)).await,
        IssueOutcome::Issued,
        "another calling code has its own breaker"
    );
}

pub(super) async fn logins_keep_the_breaker_closed(store: &impl OtpStore) {
    let s = tight(&[]);
    for n in 0..8 {
        let a = actor(&s, n);
        assert_eq!(
            a.issue_as(store, "right", from(None, false)).await,
            IssueOutcome::Issued,
            "send {n}"
        );
        assert_eq!(a.verify(store, "right").await, VerifyOutcome::Verified);
    }
    // Half of these never log in: 8 logins of 12 sends is above the 50% line.
    for n in 8..12 {
        assert_eq!(
            actor(&s, n).issue_as(store, "m", from(None, false)).await,
            IssueOutcome::Issued
        );
    }
    assert_eq!(
        actor(&s, 12).issue_as(store, "m", from(None, false)).await,
        IssueOutcome::Issued
    );
    // Wrong codes and strangers are not logins: they do not hold it closed.
    for n in 13..30 {
        let a = actor(&s, n);
        a.issue_as(store, "right", from(None, false)).await;
        a.verify(store, "wrong").await;
    }
    assert_eq!(
        hit(actor(&s, 31).issue_as(store, "m", from(None, false)).await).reason,
        RiskReason::CallingCodeBreaker
    );
}

pub(super) async fn a_passed_bot_check_answers_a_challenge_but_not_a_refusal(
    store: &impl OtpStore,
) {
    let s = tight(&[("CAPTCHA", "risky")]);
    pump(store, &s, from(None, false)).await;
    let challenged = hit(actor(&s, 5).issue_as(store, "m", from(None, false)).await);
    assert_eq!(challenged.action, Action::Challenge);
    assert_eq!(
        actor(&s, 5).issue_as(store, "m", from(None, true)).await,
        IssueOutcome::Issued,
        "a caller who passed the check is sent the code"
    );

    let strict = tight(&[("CAPTCHA", "risky"), ("RISK_BREAKER", "refuse")]);
    let other_code = |n: u32| Actor {
        phone: PhoneNumber::parse(&format!("+4479111234{n:02}"), None).unwrap(),
        ..actor(&strict, n)
    };
    for n in 0..4 {
        assert_eq!(
            other_code(n).issue_as(store, "m", from(None, false)).await,
            IssueOutcome::Issued
        );
    }
    let refused = hit(other_code(5).issue_as(store, "m", from(None, true)).await);
    assert_eq!(
        (refused.action, refused.tripped_calling_code),
        (Action::Refuse, true),
        "a refusal stops even a caller who passed the check"
    );
}

pub(super) async fn a_network_has_its_own_breaker_and_volume_budget(store: &impl OtpStore) {
    // The network's breaker: numbers of two calling codes, so neither code reaches its own
    // minimum of four while the network sends four.
    let s = tight(&[]);
    let pumping = from(Some(64_501), false);
    for n in 0..2 {
        actor(&s, n).issue_as(store, "m", pumping).await;
        let uk = Actor {
            phone: PhoneNumber::parse(&format!("+4479111235{n:02}"), None).unwrap(),
            ..actor(&s, n)
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
        actor(&s, 3)
            .issue_as(store, "m", from(Some(64_502), false))
            .await,
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
    let busy = from(Some(64_503), false);
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
    pump(store, &s, from(None, false)).await;
    assert!(hit(actor(&s, 5).issue_as(store, "m", from(None, false)).await).tripped_calling_code);
    let later = |secs: i64| Caller {
        now: T0 + secs,
        ..from(None, false)
    };
    let still = hit(actor(&s, 5).issue_as(store, "m", later(899)).await);
    assert_eq!(still.retry_after_secs, 1);
    // Closed, and the sends before the trip no longer count: four new ones pass.
    pump(store, &s, later(900)).await;
    assert!(hit(actor(&s, 5).issue_as(store, "m", later(900)).await).tripped_calling_code);
}

pub(super) async fn a_withdrawn_send_is_not_judged(store: &impl OtpStore) {
    let s = tight(&[]);
    let caller = from(Some(64_504), false);
    // Six codes no SMS carried (a provider's outage): withdrawn, they are not sends.
    for n in 0..6 {
        let a = actor(&s, 70 + n);
        assert_eq!(
            a.issue_as(store, "unsent", caller).await,
            IssueOutcome::Issued
        );
        store.withdraw(&a.phone, "unsent", &caller).await.unwrap();
    }
    assert_eq!(
        actor(&s, 77).issue_as(store, "m", caller).await,
        IssueOutcome::Issued,
        "neither breaker trips on sends that never went out"
    );
    // Withdrawing another code (not the stored one) takes nothing back: four real sends trip.
    for n in 78..81 {
        let a = actor(&s, n);
        a.issue_as(store, "sent", caller).await;
        store.withdraw(&a.phone, "other", &caller).await.unwrap();
    }
    assert!(hit(actor(&s, 81).issue_as(store, "m", caller).await).tripped_calling_code);
}
