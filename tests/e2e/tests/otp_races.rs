//! Concurrency: codes are checked, counted and consumed atomically, and limits hold under a
//! burst, because each step is one Lua script in Redis.

use e2e::api::{random_phone, Client};
use e2e::webhook::receiver;
use e2e::{base_url, variants};
use std::collections::BTreeMap;

/// Fires `n` copies of a request at once and tallies the answers by (status, code).
async fn burst<F, Fut>(n: usize, make: F) -> BTreeMap<(u16, String), usize>
where
    F: Fn(usize) -> Fut,
    Fut: std::future::Future<Output = e2e::api::Reply> + Send + 'static,
{
    let tasks: Vec<_> = (0..n).map(|i| tokio::spawn(make(i))).collect();
    let mut tally = BTreeMap::new();
    for task in tasks {
        let reply = task.await.unwrap();
        *tally
            .entry((reply.status, reply.code().to_owned()))
            .or_default() += 1;
    }
    tally
}

fn count(tally: &BTreeMap<(u16, String), usize>, status: u16, code: &str) -> usize {
    tally.get(&(status, code.to_owned())).copied().unwrap_or(0)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn fifty_concurrent_logins_with_the_right_code_succeed_exactly_once() {
    let c = Client::new(&base_url());
    let phone = random_phone();
    let sent = c.send_otp(&phone, None).await;
    let session = sent.body["session_id"].as_str().unwrap().to_owned();
    let code = receiver().latest(&phone);
    let tally = burst(50, |_| {
        let (c, phone, code, session) = (c.clone(), phone.clone(), code.clone(), session.clone());
        async move { c.login(&phone, &code, &session).await }
    })
    .await;
    assert_eq!(count(&tally, 200, ""), 1, "{tally:?}");
    assert_eq!(count(&tally, 401, "INVALID_OTP"), 49, "{tally:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn thirty_concurrent_sends_with_the_default_cooldown_accept_exactly_one() {
    let phone = random_phone();
    let tally = burst(30, |_| {
        let (c, phone) = (Client::new(&base_url()), phone.clone());
        async move { c.send_otp(&phone, None).await }
    })
    .await;
    assert_eq!(count(&tally, 200, ""), 1, "{tally:?}");
    assert_eq!(count(&tally, 429, "RATE_LIMITED"), 29, "{tally:?}");
    assert_eq!(receiver().count(&phone), 1, "exactly one SMS");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn thirty_concurrent_sends_without_a_cooldown_accept_exactly_the_window_of_three() {
    let worker = variants::start("no-cooldown", &[("OTP_RESEND_COOLDOWN_SECONDS", "0")]);
    let url = worker.instance.url();
    let phone = random_phone();
    let tally = burst(30, |_| {
        let (c, phone) = (Client::new(&url), phone.clone());
        async move { c.send_otp(&phone, None).await }
    })
    .await;
    assert_eq!(count(&tally, 200, ""), 3, "{tally:?}");
    assert_eq!(count(&tally, 429, "RATE_LIMITED"), 27, "{tally:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn twenty_concurrent_wrong_guesses_count_exactly_five_attempts() {
    let c = Client::new(&base_url());
    let phone = random_phone();
    let sent = c.send_otp(&phone, None).await;
    let session = sent.body["session_id"].as_str().unwrap().to_owned();
    let code = receiver().latest(&phone);
    let wrong = if code == "000000" { "111111" } else { "000000" };
    let tally = burst(20, |_| {
        let (c, phone, session) = (c.clone(), phone.clone(), session.clone());
        async move { c.login(&phone, wrong, &session).await }
    })
    .await;
    // Four counted misses, the fifth burns the code, and the rest find no code (the same
    // 401 as a miss, so a caller cannot tell them apart).
    assert_eq!(count(&tally, 429, "TOO_MANY_ATTEMPTS"), 1, "{tally:?}");
    assert_eq!(count(&tally, 401, "INVALID_OTP"), 19, "{tally:?}");
}
