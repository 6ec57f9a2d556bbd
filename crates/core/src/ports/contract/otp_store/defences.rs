//! The OTP store's contract, continued: the breakers and budgets against an attacker whose aim
//! is the defence itself, to lock real users out (or to keep a breaker closed). Each scenario
//! is a way to turn a defence against users that a store must not allow.

use super::risk::{actor, address, from, hit, network, pump, tight, trip_the_calling_code, T0};
use super::{limit_of, Actor};
use crate::domain::risk::RiskReason;
use crate::ports::{Caller, IssueOutcome, IssueRequest, Limit, OtpStore, VerifyOutcome};

/// Sends from forty addresses of one network to forty unconverted +1 numbers: the network's own
/// breaker trips (those are its sends), but the calling code's does not, because one network
/// adds at most `RISK_SOURCE_CAP` sends to it. Callers of other networks are sent their codes
/// without a bot check. The same from one address with no network named.
pub(super) async fn one_network_cannot_trip_a_calling_codes_breaker(store: &impl OtpStore) {
    // Ten sends trip a breaker: more than the cap of three that one source adds.
    let s = tight(&[
        ("IP_SENDS_PER_WINDOW", "1000"),
        ("RISK_BREAKER_MIN_SENDS", "10"),
    ]);
    let attacker = network(100);
    let mut challenged = 0;
    for n in 0..40 {
        let sent = actor(&s, n).issue_as(store, "m", attacker).await;
        if let IssueOutcome::Risky(stop) = sent {
            assert_eq!(stop.reason, RiskReason::AsnBreaker, "send {n}");
            challenged += 1;
        }
    }
    assert!(challenged >= 29, "the attacker's own network is challenged");
    let bystander = actor(&s, 41).issue_as(store, "m", network(101)).await;
    assert_eq!(
        bystander,
        IssueOutcome::Issued,
        "a caller of another network is not stopped by the attacker's sends"
    );
    let one_address = |n: u32| Actor {
        ip: address(200),
        ..actor(&s, 50 + n)
    };
    for n in 0..40 {
        let sent = one_address(n).issue_as(store, "m", from(None, false)).await;
        assert_eq!(sent, IssueOutcome::Issued, "send {n} from one address");
    }
    let bystander = actor(&s, 42).issue_as(store, "m", network(102)).await;
    assert_eq!(bystander, IssueOutcome::Issued);
}

/// One address of a network logs in again and again (numbers it holds), to keep the network
/// looking converted while its other addresses pump: its logins count at most
/// `RISK_SOURCE_CAP` times, so the network's breaker trips all the same.
pub(super) async fn one_address_cannot_hold_a_networks_conversion_up(store: &impl OtpStore) {
    let s = tight(&[]);
    let net = network(110);
    for n in 0..10 {
        let own = Actor {
            ip: address(300),
            ..actor(&s, 300 + n)
        };
        let sent = own.issue_as(store, "right", net).await;
        assert_eq!(sent, IssueOutcome::Issued, "own number {n}");
        let login = own.verify_from(store, "right", &own.session, net).await;
        assert_eq!(login, VerifyOutcome::Verified, "own number {n}");
    }
    // Three of the ten sends and three of the ten logins counted: a few unconverted sends
    // from other addresses take the network below 50%. Ten logins would have held it above
    // for ten more.
    let mut stop = None;
    for n in 0..8 {
        match actor(&s, 310 + n).issue_as(store, "m", net).await {
            IssueOutcome::Issued => {}
            other => {
                stop = Some(hit(other));
                break;
            }
        }
    }
    let stop = stop.expect("the network's breaker trips within eight pumped sends");
    assert_eq!(stop.reason, RiskReason::AsnBreaker, "{stop:?}");
    assert!(stop.tripped_asn, "{stop:?}");
}

/// With no bot check configured (`CAPTCHA=never`, the default), a breaker's challenge cannot be
/// asked: the send goes through, and the answer says which signals fired and what tripped.
pub(super) async fn without_a_bot_check_an_open_breaker_lets_sends_through_and_says_so(
    store: &impl OtpStore,
) {
    let s = tight(&[("CAPTCHA", "never")]);
    pump(store, &s, T0).await;
    let request = |n: u32, caller: Caller| {
        let a = actor(&s, n);
        (a.phone, a.session, a.ip, caller)
    };
    for (n, trips) in [(5, true), (6, false)] {
        let (phone, session, ip, caller) = request(n, network(n));
        let issue = IssueRequest {
            phone: &phone,
            session: &session,
            mac: "m",
            client_ip: ip,
            caller,
            settings: &s,
        };
        let counted = store.issue(&issue).await.expect("the store answers");
        assert_eq!(counted.outcome, IssueOutcome::Issued, "send {n}");
        assert!(
            counted.signals.calling_code_breaker,
            "send {n}: {counted:?}"
        );
        assert_eq!(counted.signals.tripped_calling_code, trips, "send {n}");
    }
    let refuse = tight(&[("CAPTCHA", "never"), ("RISK_BREAKER", "refuse")]);
    let other = Actor {
        phone: crate::domain::phone::PhoneNumber::parse("+447911123499", None).unwrap(),
        ..actor(&refuse, 7)
    };
    for n in 0..4 {
        let uk = Actor {
            phone: crate::domain::phone::PhoneNumber::parse(&format!("+4479111236{n:02}"), None)
                .unwrap(),
            ..actor(&refuse, 20 + n)
        };
        uk.issue_as(store, "m", network(20 + n)).await;
    }
    let refused = hit(other.issue_as(store, "m", network(7)).await);
    assert_eq!(
        refused.reason,
        RiskReason::CallingCodeBreaker,
        "only an operator's explicit refuse refuses"
    );
}

/// A number that logged in before is a returning user's: no breaker stops its send, not even
/// one an operator set to refuse, and neither does a spent calling-code or service budget
/// (what they catch are numbers that never convert). A new number is stopped as before.
pub(super) async fn a_returning_number_passes_open_breakers_and_spent_budgets(
    store: &impl OtpStore,
) {
    let s = tight(&[("RISK_BREAKER", "refuse")]);
    let returning = actor(&s, 400);
    let net = network(120);
    assert_eq!(
        returning.issue_as(store, "right", net).await,
        IssueOutcome::Issued
    );
    let login = returning
        .verify_from(store, "right", &returning.session, net)
        .await;
    assert_eq!(login, VerifyOutcome::Verified);
    trip_the_calling_code(store, &s).await;
    let new = actor(&s, 401).issue_as(store, "m", network(121)).await;
    assert_eq!(hit(new).reason, RiskReason::CallingCodeBreaker);
    let sent = returning.issue_as(store, "again", network(121)).await;
    assert_eq!(sent, IssueOutcome::Issued, "past the open breaker");

    // The +1 budget spent (the breakers off here): a new number is refused, the returning
    // one is not.
    let budget = tight(&[("RISK_BREAKER", "allow"), ("COUNTRY_SEND_BUDGETS", "1=20")]);
    let mut spent = false;
    for n in 0..20 {
        let sent = actor(&budget, 410 + n)
            .issue_as(store, "m", network(130 + n))
            .await;
        if limit_of(sent) == Some(Limit::CountryBudget) {
            spent = true;
            break;
        }
    }
    assert!(spent, "twenty sends spend a budget of twenty");
    let again = Actor {
        settings: &budget,
        ..actor(&budget, 400)
    };
    let sent = again.issue_as(store, "third", network(150)).await;
    assert_eq!(sent, IssueOutcome::Issued, "past the spent budget");
}
