//! The OTP store's contract, continued: the client address's login limit is counted beside
//! the code's check (one round trip), so it refuses only what the check did not verify, and a
//! guesser past it still gets no more than the code's attempts.

use super::{phone, session, Actor};
use crate::ports::contract::settings;
use crate::ports::{Limit, OtpStore, VerifyOutcome};

/// The address is counted beside the code's check, not before it: past its limit a wrong code
/// is refused with the address's limit and still counts against the code, and the right code
/// from the session it was sent to is never refused by the address's limit.
pub(super) async fn an_address_over_its_login_limit_never_refuses_the_right_code(
    store: &impl OtpStore,
) {
    let s = settings(&[("IP_LOGINS_PER_WINDOW", "1")]);
    let a = Actor {
        phone: phone(15),
        session: session("over"),
        ip: "192.0.2.15",
        settings: &s,
    };
    a.issue(store, "right").await;
    assert_eq!(
        a.verify(store, "bad").await,
        VerifyOutcome::Mismatch { attempts_left: 4 }
    );
    assert!(matches!(
        a.verify(store, "bad").await,
        VerifyOutcome::Limited {
            limit: Limit::ClientIp,
            ..
        }
    ));
    let elsewhere = Actor {
        phone: phone(15),
        session: session("over"),
        ip: "192.0.2.16",
        settings: &s,
    };
    assert_eq!(
        elsewhere.verify(store, "bad").await,
        VerifyOutcome::Mismatch { attempts_left: 2 },
        "the refused guess counted against the code"
    );
    assert_eq!(
        a.verify(store, "right").await,
        VerifyOutcome::Verified,
        "the address over its limit, the right code still logs in"
    );
}

/// The attack on that rule: a guesser past the address's login limit, holding the code's own
/// session, still gets no more than the code's attempts. Its refused guesses burn the code, and
/// the right code then works from nowhere.
pub(super) async fn past_the_login_limit_a_guesser_gets_only_the_codes_attempts(
    store: &impl OtpStore,
) {
    let s = settings(&[("IP_LOGINS_PER_WINDOW", "1"), ("OTP_MAX_ATTEMPTS", "3")]);
    let guesser = Actor {
        phone: phone(17),
        session: session("brute"),
        ip: "192.0.2.17",
        settings: &s,
    };
    guesser.issue(store, "right").await;
    for guess in ["bad-1", "bad-2", "bad-3"] {
        assert_ne!(guesser.verify(store, guess).await, VerifyOutcome::Verified);
    }
    assert!(matches!(
        guesser.verify(store, "right").await,
        VerifyOutcome::Limited {
            limit: Limit::ClientIp,
            ..
        }
    ));
    let fresh_address = Actor {
        phone: phone(17),
        session: session("brute"),
        ip: "192.0.2.18",
        settings: &s,
    };
    assert_eq!(
        fresh_address.verify(store, "right").await,
        VerifyOutcome::NotFound,
        "the guesses past the limit burned the code"
    );
}
