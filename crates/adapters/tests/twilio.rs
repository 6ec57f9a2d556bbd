#![cfg(not(target_arch = "wasm32"))]
//! The Twilio provider against a local stand-in of its API: the exact request of each channel
//! (SMS and WhatsApp through Messages, voice through Calls), and how it reports a refusal
//! without leaking the message.

use auth_adapters::sms::TwilioSms;
use auth_core::domain::delivery::Channel;
use auth_core::domain::phone::PhoneNumber;
use auth_core::ports::{CodeSender, OutgoingCode};
use std::io::{Read, Write};
use std::net::TcpListener;
use std::sync::mpsc;

/// Answers every request with `status` and `body`, and hands each raw request to the test.
fn stand_in(status: &'static str, body: &'static str) -> (String, mpsc::Receiver<String>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let mut stream = stream.unwrap();
            let request = read_request(&mut stream);
            write!(stream, "HTTP/1.1 {status}\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}", body.len()).unwrap();
            // A test that does not look at the requests has dropped the receiver.
            let _ = tx.send(request);
        }
    });
    (url, rx)
}

/// One request, head and body, as text.
fn read_request(stream: &mut std::net::TcpStream) -> String {
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
            if rest.len() >= length || n == 0 {
                return text;
            }
        }
    }
}

/// The form fields of a request's body, decoded.
fn form(request: &str) -> Vec<(String, String)> {
    let body = request.split_once("\r\n\r\n").unwrap().1;
    form_urlencoded::parse(body.as_bytes())
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

fn outgoing<'a>(to: &'a PhoneNumber, channel: Channel, text: &'a str) -> OutgoingCode<'a> {
    OutgoingCode {
        to,
        channel,
        text,
        code: Some("123456"),
        voice_locale: (channel == Channel::Voice).then_some("es-ES"),
    }
}

#[tokio::test]
async fn a_message_is_posted_form_encoded_with_basic_auth() {
    let (url, requests) = stand_in("201 Created", r#"{"sid":"SM123"}"#);
    let sms = TwilioSms::new(&url, "AC123", "secret-token", "+15005550006");
    let to = PhoneNumber::parse("+14155552671", None).unwrap();
    sms.send(&outgoing(&to, Channel::Sms, "Your code is 123456."))
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
        .send(&outgoing(&to, Channel::Sms, "Your code is 123456."))
        .await
        .unwrap_err();
    assert_eq!(err.0, "twilio answered HTTP 400 (error 21211)");
    assert!(!err.to_string().contains("123456"));
    assert!(!err.to_string().contains("secret-token"));
}

#[tokio::test]
async fn whatsapp_goes_through_the_messages_api_with_whatsapp_numbers() {
    let (url, requests) = stand_in("201 Created", r#"{"sid":"SM124"}"#);
    let to = PhoneNumber::parse("+14155552671", None).unwrap();
    let plain = TwilioSms::new(&url, "AC123", "secret-token", "+15005550006")
        .with_whatsapp("+15005550007", None);
    plain
        .send(&outgoing(&to, Channel::Whatsapp, "Your code is 123456."))
        .await
        .unwrap();
    let request = requests.recv().unwrap();
    assert!(request.starts_with("POST /2010-04-01/Accounts/AC123/Messages.json HTTP/1.1"));
    assert_eq!(
        form(&request),
        [
            ("To".into(), "whatsapp:+14155552671".into()),
            ("From".into(), "whatsapp:+15005550007".into()),
            ("Body".into(), "Your code is 123456.".into()),
        ]
    );

    let templated = TwilioSms::new(&url, "AC123", "secret-token", "+15005550006")
        .with_whatsapp("+15005550007", Some("HX0123456789abcdef"));
    templated
        .send(&outgoing(&to, Channel::Whatsapp, "Your code is 123456."))
        .await
        .unwrap();
    let fields = form(&requests.recv().unwrap());
    assert_eq!(
        fields[2],
        ("ContentSid".into(), "HX0123456789abcdef".into())
    );
    assert_eq!(
        fields[3],
        ("ContentVariables".into(), r#"{"1":"123456"}"#.into())
    );
    assert_eq!(fields.len(), 4, "no Body beside the template: {fields:?}");

    let unset = TwilioSms::new(&url, "AC123", "secret-token", "+15005550006");
    let refused = unset
        .send(&outgoing(&to, Channel::Whatsapp, "Your code is 123456."))
        .await
        .unwrap_err();
    assert!(refused.0.contains("TWILIO_WHATSAPP_FROM"), "{refused}");
}

#[tokio::test]
async fn a_voice_code_is_a_call_that_says_the_words_in_their_language() {
    let (url, requests) = stand_in("201 Created", r#"{"sid":"CA123"}"#);
    let to = PhoneNumber::parse("+14155552671", None).unwrap();
    let twilio = TwilioSms::new(&url, "AC123", "secret-token", "+15005550006")
        .with_voice_from("+15005550008");
    let words = "Tu código es 1, 2, 3. Repito <1 & 2>.";
    twilio
        .send(&outgoing(&to, Channel::Voice, words))
        .await
        .unwrap();
    let request = requests.recv().unwrap();
    assert!(request.starts_with("POST /2010-04-01/Accounts/AC123/Calls.json HTTP/1.1"));
    assert_eq!(
        form(&request),
        [
            ("To".into(), "+14155552671".into()),
            ("From".into(), "+15005550008".into()),
            (
                "Twiml".into(),
                "<Response><Say language=\"es-ES\">Tu código es 1, 2, 3. Repito &lt;1 &amp; 2&gt;.</Say></Response>".into()
            ),
        ]
    );
}

/// The code sender's contract, the same suite the recording double passes.
#[tokio::test]
async fn the_twilio_sender_keeps_the_contract() {
    let (accepting, _) = stand_in("201 Created", r#"{"sid":"SM123"}"#);
    let (refusing, _) = stand_in(
        "400 Bad Request",
        r#"{"code":21211,"message":"Invalid 'To': Your code is 802417"}"#,
    );
    let sender = |url: &str| {
        TwilioSms::new(url, "AC123", "secret-token", "+15005550006")
            .with_whatsapp("+15005550007", None)
    };
    auth_core::ports::contract::sms_sender(&sender(&accepting), &sender(&refusing)).await;
}
