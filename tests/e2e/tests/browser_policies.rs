//! What a browser can be made to send (hardening, point 4): a chunked body is cut off at the
//! cap, and in cookie mode a page the API does not trust cannot start a login.

use e2e::api::random_phone;
use e2e::webhook::receiver;
use e2e::{base_url, variants};
use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

/// Sends a chunked POST that never ends (no terminating chunk) and returns the status line the
/// worker answers with, or panics if it waits for the body's end.
fn endless_chunked_post(base: &str, path: &str) -> String {
    let address = base.trim_start_matches("http://").trim_end_matches('/');
    let mut stream = TcpStream::connect(address).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let head = format!(
        "POST {path} HTTP/1.1\r\nHost: {address}\r\ncontent-type: application/json\r\n\
         transfer-encoding: chunked\r\nconnection: close\r\n\r\n"
    );
    stream.write_all(head.as_bytes()).unwrap();
    // 40 KiB in 4 KiB chunks, past the 16 KiB cap, and then nothing: no final chunk.
    let chunk = [b' '; 4096];
    for _ in 0..10 {
        if stream
            .write_all(format!("{:x}\r\n", chunk.len()).as_bytes())
            .and_then(|()| stream.write_all(&chunk))
            .and_then(|()| stream.write_all(b"\r\n"))
            .is_err()
        {
            break; // the server already answered and closed
        }
    }
    let mut answer = Vec::new();
    let mut buf = [0u8; 1024];
    while !answer.windows(4).any(|w| w == b"\r\n\r\n") {
        match stream.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => answer.extend_from_slice(&buf[..n]),
            Err(e) => panic!("no answer while the body never ends ({e}): the worker waited for it"),
        }
    }
    let text = String::from_utf8_lossy(&answer).into_owned();
    text.lines().next().unwrap_or_default().to_owned()
}

#[tokio::test]
async fn a_chunked_body_without_a_length_is_refused_at_the_cap_without_reading_to_its_end() {
    let base = base_url();
    let started = Instant::now();
    let status =
        tokio::task::spawn_blocking(move || endless_chunked_post(&base, "/api/v1/auth/send-otp"))
            .await
            .unwrap();
    assert!(
        status.starts_with("HTTP/1.1 413"),
        "a body past the cap is 413 even without a Content-Length: {status:?}"
    );
    assert!(started.elapsed() < Duration::from_secs(10));
}

#[tokio::test]
async fn in_cookie_mode_a_foreign_page_cannot_start_a_login() {
    let allowed = "http://app.localhost:5173";
    let worker = variants::start(
        "foreign-page",
        &[("COOKIE_MODE", "on"), ("CORS_ALLOWED_ORIGINS", allowed)],
    );
    let base = worker.instance.url();
    receiver(); // the variant delivers its codes to this process's receiver
    let http = reqwest::Client::new();
    let send = |origin: Option<&str>, site: Option<&str>, phone: &str| {
        let mut request = http
            .post(format!("{base}/api/v1/auth/send-otp"))
            .json(&serde_json::json!({ "phone_number": phone }));
        if let Some(origin) = origin {
            request = request.header("origin", origin);
        }
        if let Some(site) = site {
            request = request.header("sec-fetch-site", site);
        }
        request.send()
    };
    for (origin, site) in [
        (Some("https://evil.example"), Some("cross-site")),
        (Some("null"), Some("cross-site")),
        (None, Some("cross-site")),
    ] {
        let phone = random_phone();
        let r = send(origin, site, &phone).await.unwrap();
        assert_eq!(r.status(), 403, "{origin:?} {site:?}");
        let body: serde_json::Value = r.json().await.unwrap();
        assert_eq!(body["code"], "FORBIDDEN");
    }
    let login = http
        .post(format!("{base}/api/v1/auth/login"))
        .header("origin", "https://evil.example")
        .json(
            &serde_json::json!({"phone_number": random_phone(), "otp": "123456",
            "session_id": "some-session-0123456789"}),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(login.status(), 403, "login from a foreign page");
    for (origin, site) in [
        (Some(allowed), Some("cross-site")),
        (Some(base.as_str()), Some("same-origin")),
        (None, None),
    ] {
        let phone = random_phone();
        let r = send(origin, site, &phone).await.unwrap();
        assert_eq!(r.status(), 200, "{origin:?} {site:?}");
        assert_eq!(receiver().count(&phone), 1, "the code was sent");
    }
}
