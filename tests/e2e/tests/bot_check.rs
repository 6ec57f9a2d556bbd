//! The gate in front of a paid SMS, over HTTP: the edge's signals (here from the `x-edge-*`
//! headers, `EDGE_SIGNALS=headers`) decide whether a send is risky; a risky one needs a passed
//! Cloudflare Turnstile check, verified against a local stand-in of siteverify that holds each
//! request to the documented shape; a refusing signal sends nothing; an outage of the check
//! fails closed for the risky send.

use e2e::api::{random_phone, Client, Reply};
use e2e::variants;
use e2e::webhook::receiver;
use serde_json::json;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};

const SECRET: &str = "0x4AAAAAAAe2e-turnstile-secret";
const PASSED: &str = "a-passed-challenge-token";
/// A token the stand-in answers with HTTP 500, as an outage of the service.
const OUTAGE: &str = "the-service-is-down";

/// The form fields of every request the stand-in got, in order.
type Seen = Arc<Mutex<Vec<Vec<(String, String)>>>>;

/// siteverify on a free loopback port: `PASSED` passes, `OUTAGE` is a 500, any other token
/// fails, and a request not of the documented shape gets `bad-request`.
fn siteverify() -> (String, Seen) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!(
        "http://{}/turnstile/v0/siteverify",
        listener.local_addr().unwrap()
    );
    let seen: Seen = Arc::default();
    let log = seen.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            answer(stream, &log);
        }
    });
    (url, seen)
}

fn answer(mut stream: TcpStream, seen: &Seen) {
    let mut request = Vec::new();
    let mut buf = [0u8; 4096];
    let text = loop {
        let n = stream.read(&mut buf).unwrap_or(0);
        request.extend_from_slice(&buf[..n]);
        let text = String::from_utf8_lossy(&request).to_string();
        let complete = text.split_once("\r\n\r\n").is_some_and(|(head, rest)| {
            let length = head
                .lines()
                .find_map(|l| {
                    l.to_ascii_lowercase()
                        .strip_prefix("content-length:")
                        .map(|v| v.trim().parse().unwrap_or(0))
                })
                .unwrap_or(0);
            rest.len() >= length
        });
        if complete || n == 0 {
            break text;
        }
    };
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let fields: Vec<(String, String)> = form_urlencoded::parse(body.as_bytes())
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    let field = |name: &str| {
        fields
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
    };
    let shaped = head.starts_with("POST /turnstile/v0/siteverify ")
        && head
            .to_ascii_lowercase()
            .contains("content-type: application/x-www-form-urlencoded")
        && field("secret").as_deref() == Some(SECRET);
    let (status, json) = match (shaped, field("response").as_deref()) {
        (false, _) => (
            "200 OK",
            r#"{"success":false,"error-codes":["bad-request"]}"#,
        ),
        (true, Some(OUTAGE)) => ("500 Internal Server Error", "{}"),
        (true, Some(PASSED)) => ("200 OK", r#"{"success":true,"error-codes":[]}"#),
        (true, _) => (
            "200 OK",
            r#"{"success":false,"error-codes":["invalid-input-response"]}"#,
        ),
    };
    seen.lock().unwrap().push(fields);
    let _ = write!(
        stream,
        "HTTP/1.1 {status}\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{json}",
        json.len()
    );
}

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
