//! The SMS a phone receives: in the language the request asks for (`locale`, else
//! `Accept-Language`), ending with the Android app hash and the origin-bound line that Safari
//! and Chrome read to offer the code, and still one GSM-7 segment.

use auth_core::domain::delivery::sms_text::segments;
use e2e::api::{random_ip, random_phone, Client};
use e2e::variants;
use e2e::webhook::receiver;
use serde_json::json;

#[tokio::test]
async fn codes_arrive_in_the_asked_language_with_the_autofill_lines() {
    let worker = variants::start(
        "sms-text",
        &[
            ("SMS_ORIGIN_DOMAIN", "login.example.com"),
            ("SMS_ANDROID_APP_HASH", "FA+9qCX9VSu"),
        ],
    );
    let api = Client::new(&worker.instance.url()).with_ip(&random_ip());
    let ask = async |body: serde_json::Value, language: &str| {
        let headers = [("accept-language", language)];
        let answer = api
            .post_with_headers("/api/v1/auth/send-otp", body, &headers)
            .await;
        assert_eq!(answer.status, 200, "{}", answer.body);
    };

    let phone = random_phone();
    ask(json!({"phone_number": phone}), "es-MX,es;q=0.9,en;q=0.5").await;
    let (code, message) = receiver().latest_message(&phone);
    assert_eq!(
        message,
        format!(
            "Tu codigo es {code}. Caduca en 2 minutos.\n\nFA+9qCX9VSu\n@login.example.com #{code}"
        )
    );
    assert_eq!(segments(&message), 1);

    // `locale` in the body comes before the header.
    let other = random_phone();
    ask(json!({"phone_number": other, "locale": "de"}), "es").await;
    let (code, message) = receiver().latest_message(&other);
    assert!(
        message.starts_with(&format!("Ihr Code lautet {code}.")),
        "{message:?}"
    );

    // A language without a template falls back to the default.
    let third = random_phone();
    ask(json!({"phone_number": third}), "sw-KE").await;
    let (code, message) = receiver().latest_message(&third);
    assert!(
        message.starts_with(&format!("Your code is {code}.")),
        "{message:?}"
    );

    // A locale that is not a language tag is refused before anything is sent.
    let refused = api
        .post(
            "/api/v1/auth/send-otp",
            json!({"phone_number": random_phone(), "locale": "<script>"}),
        )
        .await;
    assert_eq!(refused.status, 400);
    assert_eq!(refused.code(), "INVALID_REQUEST");
}
