//! Codes by WhatsApp and by voice call through the webhook provider: the channel the client
//! asks for when the deployment offers it, the words of each channel, the fallback when a
//! channel's delivery fails, and a refusal for a channel not offered.

use e2e::api::{random_phone, Client};
use e2e::webhook::receiver;
use e2e::{base_url, variants};
use serde_json::json;

#[tokio::test]
async fn a_code_goes_by_the_asked_channel_and_falls_back_when_it_fails() {
    let worker = variants::start(
        "channels",
        &[
            ("OTP_CHANNELS", "sms,whatsapp,voice"),
            ("OTP_CHANNEL_FALLBACK", "sms"),
        ],
    );
    let base = worker.instance.url();
    let c = Client::new(&base);
    let send = |phone: String, channel: &'static str, locale: Option<&'static str>| {
        let c = &c;
        async move {
            let mut body = json!({"phone_number": phone, "channel": channel});
            if let Some(locale) = locale {
                body["locale"] = json!(locale);
            }
            let reply = c.post("/api/v1/auth/send-otp", body).await;
            e2e::openapi::check("POST", "/api/v1/auth/send-otp", reply.status, &reply.body);
            reply
        }
    };

    let phone = random_phone();
    let sent = send(phone.clone(), "whatsapp", None).await;
    assert_eq!(
        (sent.status, sent.body["channel"].as_str()),
        (200, Some("whatsapp"))
    );
    assert_eq!(
        receiver().latest_channel(&phone),
        ("whatsapp".to_owned(), None)
    );
    let session = sent.body["session_id"].as_str().unwrap();
    let login = c.login(&phone, &receiver().latest(&phone), session).await;
    assert_eq!(
        login.status, 200,
        "a WhatsApp code logs in like any: {:?}",
        login.body
    );

    let phone = random_phone();
    let called = send(phone.clone(), "voice", Some("de")).await;
    assert_eq!(called.body["channel"].as_str(), Some("voice"));
    let (code, words) = receiver().latest_message(&phone);
    let digits = code
        .chars()
        .map(String::from)
        .collect::<Vec<_>>()
        .join(", ");
    assert_eq!(words.matches(&digits).count(), 2, "read twice: {words}");
    assert!(words.starts_with("Ihr Code lautet"), "{words}");
    assert_eq!(
        receiver().latest_channel(&phone).1.as_deref(),
        Some("de-DE")
    );

    let phone = random_phone();
    receiver().fail_channel_to(&phone, "whatsapp");
    let fell_back = send(phone.clone(), "whatsapp", None).await;
    assert_eq!(
        (fell_back.status, fell_back.body["channel"].as_str()),
        (200, Some("sms"))
    );
    assert_eq!(receiver().latest_channel(&phone).0, "sms");

    // The main worker offers SMS only (the default).
    let main = Client::new(&base_url());
    let refused = main
        .post(
            "/api/v1/auth/send-otp",
            json!({"phone_number": random_phone(), "channel": "voice"}),
        )
        .await;
    assert_eq!(
        (refused.status, refused.body["code"].as_str()),
        (400, Some("INVALID_REQUEST"))
    );
    let unknown = main
        .post(
            "/api/v1/auth/send-otp",
            json!({"phone_number": random_phone(), "channel": "fax"}),
        )
        .await;
    assert_eq!(unknown.status, 400);
}
