#![cfg(not(target_arch = "wasm32"))]
//! The Turnstile check against a local stand-in of siteverify that holds each request to the
//! exact shape Cloudflare documents (POST, form-encoded `secret`, `response`, `remoteip`), and
//! answers as the service does: the bot check's contract, the same suite the fixed double
//! passes, plus what only the real client can get wrong.

use auth_adapters::turnstile::{Expected, Turnstile};
use auth_core::ports::{BackendError, BotCheck, BotVerdict};
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};

const SECRET: &str = "0x4AAAAAAAtest-secret-key";
const GOOD: &str = "a-passed-challenge-token";
/// Solved, but on another site's page that uses the same widget.
const ELSEWHERE: &str = "solved-on-another-site";
/// Solved, but for another form of the app (its widget's action is `signup`).
const OTHER_FORM: &str = "solved-for-another-form";

/// A siteverify stand-in on a free port: `GOOD` passes, other tokens fail, and a request of
/// the wrong shape gets `bad-request` (which the client must treat as an outage, not a
/// verdict).
fn siteverify() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!(
        "http://{}/turnstile/v0/siteverify",
        listener.local_addr().unwrap()
    );
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            answer(stream);
        }
    });
    url
}

fn answer(mut stream: TcpStream) {
    let request = read(&mut stream);
    let (head, body) = request.split_once("\r\n\r\n").unwrap_or((&request, ""));
    let fields: Vec<(String, String)> = form_urlencoded::parse(body.as_bytes())
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    let field = |name: &str| {
        fields
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    };
    let names: Vec<&str> = fields.iter().map(|(k, _)| k.as_str()).collect();
    let shaped = head.starts_with("POST /turnstile/v0/siteverify HTTP/1.1")
        && head
            .to_ascii_lowercase()
            .contains("content-type: application/x-www-form-urlencoded")
        && (names == ["secret", "response"] || names == ["secret", "response", "remoteip"])
        && field("secret") == Some(SECRET)
        && field("remoteip").is_none_or(|ip| ip.parse::<std::net::IpAddr>().is_ok());
    let json = match (shaped, field("response")) {
        (false, _) => r#"{"success":false,"error-codes":["bad-request"]}"#,
        (true, Some(GOOD)) => {
            r#"{"success":true,"error-codes":[],"hostname":"example.com","action":"send-otp"}"#
        }
        (true, Some(ELSEWHERE)) => {
            r#"{"success":true,"error-codes":[],"hostname":"evil.example","action":"send-otp"}"#
        }
        (true, Some(OTHER_FORM)) => {
            r#"{"success":true,"error-codes":[],"hostname":"example.com","action":"signup"}"#
        }
        (true, _) => r#"{"success":false,"error-codes":["invalid-input-response"]}"#,
    };
    let _ = write!(
        stream,
        "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{json}",
        json.len()
    );
}

fn read(stream: &mut TcpStream) -> String {
    let mut request = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        let n = stream.read(&mut buf).unwrap_or(0);
        request.extend_from_slice(&buf[..n]);
        let text = String::from_utf8_lossy(&request).to_string();
        if let Some((head, rest)) = text.split_once("\r\n\r\n") {
            let length = head
                .lines()
                .find_map(|l| {
                    l.to_ascii_lowercase()
                        .strip_prefix("content-length:")
                        .map(|v| v.trim().parse::<usize>().unwrap_or(0))
                })
                .unwrap_or(0);
            if rest.len() >= length {
                return text;
            }
        }
        if n == 0 {
            return text;
        }
    }
}

/// A URL nothing listens on.
fn nowhere() -> String {
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    format!("http://127.0.0.1:{port}/turnstile/v0/siteverify")
}

#[tokio::test]
async fn the_turnstile_check_keeps_the_contract() {
    let service = Turnstile::new(&siteverify(), SECRET);
    let down = Turnstile::new(&nowhere(), SECRET);
    auth_core::ports::contract::bot_check(&service, GOOD, &down).await;
}

#[tokio::test]
async fn a_wrong_secret_is_an_outage_not_a_verdict_on_the_visitor() {
    let misconfigured = Turnstile::new(&siteverify(), "not-the-secret");
    let answer = misconfigured.verify(GOOD, Some("198.51.100.7")).await;
    let Err(BackendError::Unavailable(why)) = answer else {
        panic!("{answer:?}");
    };
    assert!(
        why.contains("bad-request") && !why.contains("not-the-secret"),
        "{why}"
    );
    let huge = "x".repeat(4096);
    let service = Turnstile::new(&siteverify(), SECRET);
    assert_eq!(
        service.verify(&huge, None).await,
        Ok(BotVerdict::NotHuman),
        "never sent"
    );
}

/// A solved challenge counts only for this service's pages (`TURNSTILE_HOSTNAMES`) and for
/// the send's action (`TURNSTILE_ACTION`): a token solved elsewhere proves nothing here.
#[tokio::test]
async fn a_challenge_solved_on_another_page_or_for_another_action_does_not_pass() {
    let anywhere = Turnstile::new(&siteverify(), SECRET);
    assert_eq!(anywhere.verify(GOOD, None).await, Ok(BotVerdict::Human));
    assert_eq!(
        anywhere.verify(ELSEWHERE, None).await,
        Ok(BotVerdict::Human),
        "no hostnames listed: any page"
    );
    assert_eq!(
        anywhere.verify(OTHER_FORM, None).await,
        Ok(BotVerdict::NotHuman),
        "the action is always checked"
    );
    let ours = Expected::parse(Some("Example.com, www.example.com"), None).unwrap();
    let strict = Turnstile::new(&siteverify(), SECRET).expecting(ours);
    assert_eq!(strict.verify(GOOD, None).await, Ok(BotVerdict::Human));
    assert_eq!(
        strict.verify(ELSEWHERE, None).await,
        Ok(BotVerdict::NotHuman)
    );
    let signup = Expected::parse(None, Some("signup")).unwrap();
    let renamed = Turnstile::new(&siteverify(), SECRET).expecting(signup);
    assert_eq!(
        renamed.verify(OTHER_FORM, None).await,
        Ok(BotVerdict::Human)
    );
    assert!(Expected::parse(Some("exa mple.com"), None).is_err());
    assert!(Expected::parse(None, Some("send otp!")).is_err());
}
