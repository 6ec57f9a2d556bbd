//! A stranger knows the victim's number but not the session the victim's code was sent to.
//! Whatever the stranger sends, the victim's code keeps every attempt and the number stays
//! unlocked, and the stranger cannot tell whether a code is pending (hardening, point 1).

use e2e::api::{random_ip, random_phone, random_u32, Client};
use e2e::base_url;
use e2e::webhook::receiver;
use futures::stream::{self, StreamExt};
use std::collections::BTreeMap;

const GUESSES: usize = 1_000;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_thousand_guesses_from_other_sessions_leave_the_victims_code_working() {
    let url = base_url();
    let victim = Client::new(&url);
    let phone = random_phone();
    let sent = victim.send_otp(&phone, None).await;
    assert_eq!(sent.status, 200, "{:?}", sent.body);
    let session = sent.body["session_id"].as_str().unwrap().to_owned();
    let code = receiver().latest(&phone);

    // Every guess from another address and another session, some of them with the right code
    // (a stranger who saw the SMS but not the app's session still gets nowhere).
    let answers: Vec<(u16, String)> = stream::iter(0..GUESSES)
        .map(|i| {
            let (url, phone, code) = (url.clone(), phone.clone(), code.clone());
            async move {
                let stranger = Client::new(&url).with_ip(&random_ip());
                let guess = if i % 10 == 0 {
                    code
                } else {
                    format!("{:06}", random_u32() % 1_000_000)
                };
                let their_session = format!("stranger-{i}-{:010}", random_u32());
                let r = stranger.login(&phone, &guess, &their_session).await;
                (r.status, r.code().to_owned())
            }
        })
        .buffer_unordered(16)
        .collect()
        .await;
    let mut tally: BTreeMap<(u16, String), usize> = BTreeMap::new();
    for answer in answers {
        *tally.entry(answer).or_default() += 1;
    }
    for (status, code) in tally.keys() {
        assert!(
            matches!(
                (*status, code.as_str()),
                (401, "INVALID_OTP") | (429, "RATE_LIMITED")
            ),
            "a stranger got {status} {code}: {tally:?}"
        );
    }
    assert!(
        tally.contains_key(&(429, "RATE_LIMITED".to_owned())),
        "the number's budget for other sessions' logins stops a flood: {tally:?}"
    );

    let first_try = victim.login(&phone, &code, &session).await;
    assert_eq!(
        first_try.status, 200,
        "after {GUESSES} strangers' guesses ({tally:?}) the victim logs in on the first try: {:?}",
        first_try.body
    );
}

#[tokio::test]
async fn no_code_another_sessions_code_and_a_wrong_code_look_the_same() {
    let url = base_url();
    let stranger = Client::new(&url).with_ip(&random_ip());
    let (without, with) = (random_phone(), random_phone());
    let owner = Client::new(&url).with_ip(&random_ip());
    let sent = owner.send_otp(&with, None).await;
    let session = sent.body["session_id"].as_str().unwrap().to_owned();
    let code = receiver().latest(&with);
    let wrong = if code == "000000" { "111111" } else { "000000" };

    let theirs = "stranger-session-0123456789";
    let no_code = stranger.login(&without, wrong, theirs).await;
    let pending = stranger.login(&with, wrong, theirs).await;
    let right_code_wrong_session = stranger.login(&with, &code, theirs).await;
    let wrong_code = owner.login(&with, wrong, &session).await;
    for (name, r) in [
        ("a pending code", &pending),
        (
            "the right code with another session",
            &right_code_wrong_session,
        ),
        ("a wrong code with the code's session", &wrong_code),
    ] {
        assert_eq!(
            (r.status, &r.body, r.retry_after),
            (no_code.status, &no_code.body, no_code.retry_after),
            "{name} answers as no code does"
        );
    }
    assert_eq!((no_code.status, no_code.code()), (401, "INVALID_OTP"));
    let ok = owner.login(&with, &code, &session).await;
    assert_eq!(ok.status, 200, "{:?}", ok.body);
}
