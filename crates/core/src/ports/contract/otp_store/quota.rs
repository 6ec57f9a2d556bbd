//! The OTP store's contract, continued: the quota each answer carries (`ports::Counted`), for
//! the RateLimit header fields. It is always the caller's own (its address's), never the
//! number's: a stranger must not read how many codes others asked for a number, or when.

use super::{phone, session};
use crate::domain::quota::Quota;
use crate::ports::contract::settings;
use crate::ports::{Caller, IssueRequest, OtpStore, VerifyRequest};

fn shape(quota: Option<Quota>) -> Option<(u32, u32, u32)> {
    let quota = quota?;
    assert!(
        (1..=quota.window_secs.max(1)).contains(&quota.reset_secs),
        "the reset lies inside the window: {quota:?}"
    );
    Some((quota.limit, quota.window_secs, quota.remaining))
}

pub(super) async fn each_answer_carries_the_callers_own_quota_never_the_numbers(
    store: &impl OtpStore,
) {
    let s = settings(&[
        ("OTP_RESEND_COOLDOWN_SECONDS", "0"),
        ("IP_SENDS_PER_WINDOW", "5"),
    ]);
    let (number, sid) = (phone(60), session("quota"));
    let from = |client_ip: &'static str| IssueRequest {
        phone: &number,
        session: &sid,
        mac: "m",
        client_ip,
        caller: Caller::default(),
        settings: &s,
    };
    let mut seen = Vec::new();
    for _ in 0..4 {
        seen.push(shape(store.issue(&from("192.0.2.60")).await.unwrap().quota));
    }
    assert_eq!(
        seen,
        [
            Some((5, 600, 4)),
            Some((5, 600, 3)),
            Some((5, 600, 2)),
            Some((5, 600, 2)),
        ],
        "the address's sends; the fourth, refused by the number's window, spent none"
    );
    let stranger = store.issue(&from("192.0.2.61")).await.unwrap();
    assert_eq!(
        shape(stranger.quota),
        Some((5, 600, 5)),
        "another caller, refused by the number's window, learns nothing of its sends"
    );
    for n in 0..2 {
        let other = phone(62 + n);
        let request = IssueRequest {
            phone: &other,
            ..from("192.0.2.60")
        };
        store.issue(&request).await.unwrap();
    }
    let last = phone(64);
    let spent = IssueRequest {
        phone: &last,
        ..from("192.0.2.60")
    };
    let refused = store.issue(&spent).await.unwrap().quota;
    assert_eq!(
        shape(refused),
        Some((5, 600, 0)),
        "spent when the address refuses"
    );

    let login = VerifyRequest {
        mac: "wrong",
        ..from("192.0.2.60")
    };
    let counted = store.verify(&login).await.unwrap().quota;
    assert_eq!(shape(counted), Some((60, 600, 59)));
}
