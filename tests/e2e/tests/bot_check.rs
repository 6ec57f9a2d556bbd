//! The gate in front of a paid SMS, over HTTP: the edge's signals (here from the `x-edge-*`
//! headers, `EDGE_SIGNALS=headers`) decide whether a send is risky; a risky one needs a passed
//! Cloudflare Turnstile check, verified against a local stand-in of siteverify that holds each
//! request to the documented shape; a refusing signal sends nothing; an outage of the check
//! fails closed for the risky send.

use e2e::api::{random_phone, Client, Reply};
use e2e::turnstile::{siteverify, ELSEWHERE, OUTAGE, PASSED, SECRET};
use e2e::variants;
use e2e::webhook::receiver;
use serde_json::json;

/// A send to a fresh US number from a caller the edge places in `country` with `bot_score`.
async fn send(
    c: &Client,
    country: &str,
    bot_score: &str,
    token: Option<(&str, &str)>,
) -> (String, Reply) {
    let phone = random_phone();
    let mut body = json!({"phone_number": phone});
    let mut headers = vec![
        ("x-edge-country", country),
        ("x-edge-asn", "7922"),
        ("x-edge-bot-score", bot_score),
    ];
    match token {
        Some(("body", token)) => body["captcha_token"] = json!(token),
        Some((_, token)) => headers.push(("cf-turnstile-response", token)),
        None => {}
    }
    let reply = c
        .post_with_headers("/api/v1/auth/send-otp", body, &headers)
        .await;
    (phone, reply)
}

#[tokio::test]
async fn a_risky_send_waits_for_a_passed_turnstile_check_and_a_refused_one_sends_nothing() {
    let (url, seen) = siteverify();
    let worker = variants::start(
        "bot-check",
        &[
            ("EDGE_SIGNALS", "headers"),
            ("CAPTCHA", "risky"),
            ("TURNSTILE_SECRET", SECRET),
            ("TURNSTILE_VERIFY_URL", &url),
            ("TURNSTILE_HOSTNAMES", "app.example.com"),
            ("RISK_LOW_BOT_SCORE", "refuse"),
        ],
    );
    let c = Client::new(&worker.instance.url());
    let code = |reply: &Reply| reply.body["code"].as_str().map(str::to_owned);

    let (phone, home) = send(&c, "US", "80", None).await;
    assert_eq!(
        home.status, 200,
        "a caller at home sends without a check: {:?}",
        home.body
    );
    assert_eq!(receiver().count(&phone), 1);
    assert!(
        seen.lock().unwrap().is_empty(),
        "and nothing asked siteverify"
    );

    let (phone, abroad) = send(&c, "DE", "80", None).await;
    assert_eq!(
        (abroad.status, code(&abroad).as_deref()),
        (403, Some("CAPTCHA_REQUIRED"))
    );
    let (_, forged) = send(&c, "DE", "80", Some(("body", "forged-token"))).await;
    assert_eq!(
        (forged.status, code(&forged).as_deref()),
        (403, Some("CAPTCHA_FAILED"))
    );
    assert_eq!(receiver().count(&phone), 0, "nothing was sent for them");
    let asked = seen.lock().unwrap().last().cloned().unwrap();
    let names: Vec<&str> = asked.iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(names, ["secret", "response", "remoteip"]);
    assert_eq!(asked[2].1, c.ip, "the caller's address goes with the token");

    let (phone, passed) = send(&c, "DE", "80", Some(("header", PASSED))).await;
    assert_eq!(passed.status, 200, "{:?}", passed.body);
    assert_eq!(receiver().count(&phone), 1);

    let (phone, bot) = send(&c, "US", "5", Some(("body", PASSED))).await;
    assert_eq!(
        (bot.status, code(&bot).as_deref()),
        (403, Some("SEND_REFUSED"))
    );
    assert_eq!(bot.body["details"], "low_bot_score");
    assert_eq!(receiver().count(&phone), 0);

    let (phone, down) = send(&c, "DE", "80", Some(("body", OUTAGE))).await;
    assert_eq!(
        (down.status, code(&down).as_deref()),
        (503, Some("SERVICE_UNAVAILABLE")),
        "closed for a risky send"
    );
    assert_eq!(receiver().count(&phone), 0);
}

/// A challenge solved on another site's page (same widget, another hostname) passes
/// siteverify but proves nothing about this send: refused as a failed check.
#[tokio::test]
async fn a_challenge_solved_on_another_page_is_a_failed_check() {
    let (url, _) = siteverify();
    let worker = variants::start(
        "bot-check-host",
        &[
            ("EDGE_SIGNALS", "headers"),
            ("CAPTCHA", "always"),
            ("TURNSTILE_SECRET", SECRET),
            ("TURNSTILE_VERIFY_URL", &url),
            ("TURNSTILE_HOSTNAMES", "app.example.com"),
        ],
    );
    let c = Client::new(&worker.instance.url());
    let (phone, elsewhere) = send(&c, "US", "80", Some(("body", ELSEWHERE))).await;
    assert_eq!(
        (elsewhere.status, elsewhere.code()),
        (403, "CAPTCHA_FAILED"),
        "{:?}",
        elsewhere.body
    );
    assert_eq!(receiver().count(&phone), 0, "nothing sent");
    let (_, ours) = send(&c, "US", "80", Some(("body", PASSED))).await;
    assert_eq!(ours.status, 200, "{:?}", ours.body);
}
