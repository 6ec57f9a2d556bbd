#![cfg(not(target_arch = "wasm32"))]
//! The Twilio provider against a local stand-in of the Messages API: the request it sends, and
//! how it reports a refusal without leaking the message.

use auth_adapters::sms::TwilioSms;
use auth_core::phone::PhoneNumber;
use auth_core::ports::SmsSender;
use std::io::{Read, Write};
use std::net::TcpListener;
use std::sync::mpsc;

/// Answers one request with `status` and `body`, and hands the raw request to the test.
fn stand_in(status: &'static str, body: &'static str) -> (String, mpsc::Receiver<String>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let (mut stream, _) = listener.accept().unwrap();
        let mut request = Vec::new();
        let mut buf = [0u8; 4096];
        loop {
            let n = stream.read(&mut buf).unwrap();
            request.extend_from_slice(&buf[..n]);
            let text = String::from_utf8_lossy(&request).to_string();
            if let Some((head, rest)) = text.split_once("\r\n\r\n") {
                let length = head
                    .lines()
                    .find_map(|l| {
                        l.to_ascii_lowercase()
                            .strip_prefix("content-length:")
                            .map(|v| v.trim().parse::<usize>().unwrap())
                    })
                    .unwrap_or(0);
                if rest.len() >= length {
                    break;
                }
            }
        }
        write!(stream, "HTTP/1.1 {status}\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n{body}", body.len()).unwrap();
        tx.send(String::from_utf8_lossy(&request).to_string())
            .unwrap();
    });
    (url, rx)
}

#[tokio::test]
async fn a_message_is_posted_form_encoded_with_basic_auth() {
    let (url, requests) = stand_in("201 Created", r#"{"sid":"SM123"}"#);
    let sms = TwilioSms::new(&url, "AC123", "secret-token", "+15005550006");
    let to = PhoneNumber::parse("+14155552671", None).unwrap();
    sms.send(&to, "Your code is 123456.", "123456")
        .await
        .unwrap();
    let request = requests.recv().unwrap();
    assert!(request.starts_with("POST /2010-04-01/Accounts/AC123/Messages.json HTTP/1.1"));
    let lower = request.to_ascii_lowercase();
    // base64("AC123:secret-token")
    assert!(
        lower.contains("authorization: basic qumxmjm6c2vjcmv0lxrva2vu"),
        "{request}"
    );
    assert!(lower.contains("content-type: application/x-www-form-urlencoded"));
    assert!(request.contains("To=%2B14155552671"));
    assert!(request.contains("From=%2B15005550006"));
    assert!(request.contains("Body=Your+code+is+123456."));
}

#[tokio::test]
async fn a_refusal_is_an_error_naming_twilios_code_and_never_the_message() {
    let (url, _requests) = stand_in(
        "400 Bad Request",
        r#"{"code":21211,"message":"The 'To' number is not valid: Your code is 123456"}"#,
    );
    let sms = TwilioSms::new(&url, "AC123", "secret-token", "+15005550006");
    let to = PhoneNumber::parse("+14155552671", None).unwrap();
    let err = sms
        .send(&to, "Your code is 123456.", "123456")
        .await
        .unwrap_err();
    assert_eq!(err.0, "twilio answered HTTP 400 (error 21211)");
    assert!(!err.to_string().contains("123456"));
    assert!(!err.to_string().contains("secret-token"));
}

/// The SMS sender's contract, the same suite the recording double passes.
#[tokio::test]
async fn the_twilio_sender_keeps_the_contract() {
    let (accepting, _) = stand_in("201 Created", r#"{"sid":"SM123"}"#);
    let (refusing, _) = stand_in(
        "400 Bad Request",
        r#"{"code":21211,"message":"Invalid 'To': Your code is 802417"}"#,
    );
    let sender = |url: &str| TwilioSms::new(url, "AC123", "secret-token", "+15005550006");
    auth_core::testing::contract::sms_sender(&sender(&accepting), &sender(&refusing)).await;
}
