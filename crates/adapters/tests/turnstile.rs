#![cfg(not(target_arch = "wasm32"))]
//! The Turnstile check against a local stand-in of siteverify that holds each request to the
//! exact shape Cloudflare documents (POST, form-encoded `secret`, `response`, `remoteip`), and
//! answers as the service does: the bot check's contract, the same suite the fixed double
//! passes, plus what only the real client can get wrong.

use auth_adapters::turnstile::Turnstile;
use auth_core::ports::{BackendError, BotCheck, BotVerdict};
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};

const SECRET: &str = "0x4AAAAAAAtest-secret-key";
const GOOD: &str = "a-passed-challenge-token";

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
        (true, Some(GOOD)) => r#"{"success":true,"error-codes":[],"hostname":"example.com"}"#,
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
    auth_core::testing::contract::bot_check(&service, GOOD, &down).await;
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
