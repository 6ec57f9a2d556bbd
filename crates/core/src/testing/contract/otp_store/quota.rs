//! The OTP store's contract, continued: the quota each answer carries (`ports::Counted`), for
//! the RateLimit header fields.

use super::{phone, session};
use crate::ports::{Caller, IssueRequest, OtpStore, VerifyRequest};
use crate::quota::{Quota, QuotaPolicy};
use crate::testing::contract::settings;

fn shape(quota: Option<Quota>) -> Option<(QuotaPolicy, u32, u32, u32)> {
    let quota = quota?;
    assert!(
        (1..=quota.window_secs.max(1)).contains(&quota.reset_secs),
        "the reset lies inside the window: {quota:?}"
    );
    Some((
        quota.policy,
        quota.limit,
        quota.window_secs,
        quota.remaining,
    ))
}

pub(super) async fn each_answer_carries_the_quota_closest_to_refusing(store: &impl OtpStore) {
    let s = settings(&[
        ("OTP_RESEND_COOLDOWN_SECONDS", "0"),
        ("OTP_SENDS_PER_DAY", "4"),
    ]);
    let (number, sid) = (phone(60), session("quota"));
    let issue = |mac: &'static str| IssueRequest {
        phone: &number,
        session: &sid,
        mac,
        client_ip: "192.0.2.60",
        caller: Caller::default(),
        settings: &s,
    };
    let mut seen = Vec::new();
    for _ in 0..4 {
        seen.push(shape(store.issue(&issue("m")).await.unwrap().quota));
    }
    use QuotaPolicy::{Address, Cooldown, Phone, PhoneDay};
    assert_eq!(
        seen,
        [
            Some((Phone, 3, 600, 2)),
            Some((Phone, 3, 600, 1)),
            Some((Phone, 3, 600, 0)),
            Some((Phone, 3, 600, 0)),
        ],
        "the window is nearest to refusing, then spent (the fourth is its refusal)"
    );

    let daily = settings(&[
        ("OTP_RESEND_COOLDOWN_SECONDS", "0"),
        ("OTP_SENDS_PER_DAY", "1"),
    ]);
    let other = phone(61);
    let request = IssueRequest {
        phone: &other,
        settings: &daily,
        ..issue("m")
    };
    let first = store.issue(&request).await.unwrap().quota;
    assert_eq!(shape(first), Some((PhoneDay, 1, 86_400, 0)));

    let cooling = settings(&[("OTP_RESEND_COOLDOWN_SECONDS", "60")]);
    let third = phone(62);
    let request = IssueRequest {
        phone: &third,
        settings: &cooling,
        ..issue("m")
    };
    store.issue(&request).await.unwrap();
    let refused = store.issue(&request).await.unwrap().quota;
    assert_eq!(shape(refused), Some((Cooldown, 1, 60, 0)));

    let login = VerifyRequest {
        mac: "wrong",
        ..issue("m")
    };
    let counted = store.verify(&login).await.unwrap().quota;
    assert_eq!(shape(counted), Some((Address, 60, 600, 59)));
}
