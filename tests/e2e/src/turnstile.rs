//! A local stand-in of Cloudflare Turnstile's siteverify, for the tests of the bot check: it
//! holds every request to the documented shape (a form POST with the secret, the token and the
//! caller's address) and answers by the token.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};

pub const SECRET: &str = "0x4AAAAAAAe2e-turnstile-secret";
pub const PASSED: &str = "a-passed-challenge-token";
/// A challenge solved on another site's page with the same widget.
pub const ELSEWHERE: &str = "a-challenge-solved-on-another-site";
/// A token the stand-in answers with HTTP 500, as an outage of the service.
pub const OUTAGE: &str = "the-service-is-down";

/// The form fields of every request the stand-in got, in order.
pub type Seen = Arc<Mutex<Vec<Vec<(String, String)>>>>;

/// siteverify on a free loopback port: `PASSED` passes, `OUTAGE` is a 500, any other token
/// fails, and a request not of the documented shape gets `bad-request`.
pub fn siteverify() -> (String, Seen) {
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
        (true, Some(PASSED)) => (
            "200 OK",
            r#"{"success":true,"error-codes":[],"hostname":"app.example.com","action":"send-otp"}"#,
        ),
        (true, Some(ELSEWHERE)) => (
            "200 OK",
            r#"{"success":true,"error-codes":[],"hostname":"evil.example","action":"send-otp"}"#,
        ),
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
