//! A scripted attacker with one victim phone and as many sessions and client addresses as it
//! likes: it requests codes as fast as the service lets it and guesses each code until it is
//! refused. It must get no more than the configured sends per window and per day, and no more
//! than the configured attempts per code, so its guesses per phone per day are bounded by
//! `OTP_SENDS_PER_DAY` x `OTP_MAX_ATTEMPTS` (RELIABILITY.md turns that into a probability).

use e2e::api::{random_ip, random_phone, Client};
use e2e::variants;
use e2e::webhook::receiver;
use std::time::{Duration, Instant};

const SENDS_PER_WINDOW: usize = 3;
const WINDOW_SECS: u64 = 2;
const SENDS_PER_DAY: usize = 10;
const MAX_ATTEMPTS: usize = 5;
const CODE_SPACE: f64 = 1_000_000.0;

/// A wrong 6-digit guess number `i` for a code, never the code itself.
fn wrong_guess(real: &str, i: usize) -> String {
    let guess = format!("{:06}", (i * 7919 + 13) % 1_000_000);
    if guess == real {
        format!("{:06}", (i * 7919 + 14) % 1_000_000)
    } else {
        guess
    }
}

#[tokio::test]
async fn an_attacker_with_many_sessions_and_addresses_gets_only_the_configured_guesses() {
    let worker = variants::start(
        "brute",
        &[
            // No cooldown and a short window, so the attacker reaches the daily cap in seconds.
            ("OTP_RESEND_COOLDOWN_SECONDS", "0"),
            ("OTP_SENDS_PER_WINDOW", &SENDS_PER_WINDOW.to_string()),
            ("OTP_SEND_WINDOW_SECONDS", &WINDOW_SECS.to_string()),
            ("OTP_SENDS_PER_DAY", &SENDS_PER_DAY.to_string()),
            ("OTP_MAX_ATTEMPTS", &MAX_ATTEMPTS.to_string()),
        ],
    );
    let url = worker.instance.url();
    let victim = random_phone();

    let (mut sends, mut refused_sends, mut evaluated, mut hits) = (0, 0, 0, 0);
    let mut send_times: Vec<f64> = Vec::new();
    let started = Instant::now();
    while started.elapsed() < Duration::from_secs(4 * WINDOW_SECS + 4) {
        // A new session from a new address every time.
        let attacker = Client::new(&url).with_ip(&random_ip());
        let seen = receiver().count(&victim);
        let sent = attacker.send_otp(&victim, None).await;
        if sent.status != 200 {
            assert_eq!((sent.status, sent.code()), (429, "RATE_LIMITED"));
            refused_sends += 1;
            tokio::time::sleep(Duration::from_millis(100)).await;
            continue;
        }
        sends += 1;
        send_times.push(started.elapsed().as_secs_f64());
        let session = sent.body["session_id"].as_str().unwrap().to_owned();
        let real = receiver().code_after(&victim, seen);
        // Twenty guesses, each from yet another address. A miss and a burned code answer the
        // same 401, so the guesses evaluated are those up to the one that burned the code.
        let mut burned = false;
        for i in 0..20 {
            let guesser = Client::new(&url).with_ip(&random_ip());
            let r = guesser
                .login(&victim, &wrong_guess(&real, i), &session)
                .await;
            match (r.status, r.code()) {
                (200, _) => hits += 1,
                (401, "INVALID_OTP") if !burned => evaluated += 1,
                // Once burned, guesses find no code: they count against the number's budget
                // for logins without a pending code's session, which a flood reaches.
                (401, "INVALID_OTP") | (429, "RATE_LIMITED") => {}
                (429, "TOO_MANY_ATTEMPTS") if !burned => {
                    (evaluated, burned) = (evaluated + 1, true)
                }
                other => panic!("unexpected answer to a guess: {other:?} {:?}", r.body),
            }
        }
        assert!(burned, "twenty wrong guesses must burn a code");
        // Once burned, not even the right code works.
        let late = Client::new(&url).login(&victim, &real, &session).await;
        assert_ne!(late.status, 200, "a burned code was accepted");
    }

    assert_eq!(hits, 0, "a wrong guess was accepted");
    assert_eq!(sends, SENDS_PER_DAY, "codes sent to one phone in a day");
    assert!(refused_sends > 0);
    // A window opens with the first send after the last one expired and lasts WINDOW_SECS;
    // grouping the accepted sends the same way (50 ms of slack for the network), no group may
    // hold more than the limit.
    let mut group_start = f64::NEG_INFINITY;
    let mut in_group = 0;
    for t in &send_times {
        if *t >= group_start + WINDOW_SECS as f64 - 0.05 {
            (group_start, in_group) = (*t, 0);
        }
        in_group += 1;
        assert!(
            in_group <= SENDS_PER_WINDOW,
            "{in_group} sends within {WINDOW_SECS} s of {group_start:.2} s: {send_times:?}"
        );
    }
    assert_eq!(
        evaluated,
        SENDS_PER_DAY * MAX_ATTEMPTS,
        "guesses the service evaluated"
    );
    let p_success = 1.0 - (1.0 - MAX_ATTEMPTS as f64 / CODE_SPACE).powi(SENDS_PER_DAY as i32);
    eprintln!(
        "attacker: {sends} codes sent ({refused_sends} sends refused), {evaluated} guesses \
         evaluated, 0 hits; worst case per phone per day {} guesses, success probability {p_success:.2e}",
        SENDS_PER_DAY * MAX_ATTEMPTS
    );
}
