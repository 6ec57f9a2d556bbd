//! send-otp and login through wrangler dev: the flows, their errors, and what they must never do.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use e2e::api::{random_phone, Client};
use e2e::webhook::receiver;
use e2e::{base_url, worker_vars};
use p256::ecdsa::signature::Verifier;
use serde_json::{json, Value};

fn client() -> Client {
    Client::new(&base_url())
}

/// Sends a code and returns (session id, code) as delivered to the webhook.
async fn send_and_receive(c: &Client, phone: &str) -> (String, String) {
    let seen = receiver().count(phone);
    let sent = c.send_otp(phone, None).await;
    assert_eq!(sent.status, 200, "{:?}", sent.body);
    (
        sent.body["session_id"].as_str().unwrap().to_owned(),
        receiver().code_after(phone, seen),
    )
}

#[tokio::test]
async fn send_otp_answers_the_contract_shape_and_delivers_a_six_digit_code() {
    let c = client();
    let phone = random_phone();
    let sent = c.send_otp(&phone, None).await;
    assert_eq!(sent.status, 200);
    assert_eq!(sent.body["message"], "OTP sent successfully");
    assert_eq!(sent.body["expires_in"], 120);
    assert_eq!(sent.body["resend_after"], 60);
    let session = sent.body["session_id"].as_str().unwrap();
    assert!(session.len() >= 22 && URL_SAFE_NO_PAD.decode(session).is_ok_and(|b| b.len() >= 16));
    let code = receiver().latest(&phone);
    assert_eq!(code.len(), 6);
    assert!(code.bytes().all(|b| b.is_ascii_digit()));
    assert_eq!(
        receiver().rejected(),
        0,
        "every delivery must carry a valid signature"
    );
}

#[tokio::test]
async fn first_login_creates_the_user_and_issues_both_tokens() {
    let c = client();
    let phone = random_phone();
    let (session, code) = send_and_receive(&c, &phone).await;
    let first = c.login(&phone, &code, &session).await;
    assert_eq!(first.status, 200, "{:?}", first.body);
    assert_eq!(first.body["message"], "Login successful");
    assert_eq!(first.body["is_new_user"], true);
    assert_eq!(first.body["token_type"], "Bearer");
    assert_eq!(first.body["expires_in"], 900);
    assert_eq!(first.body["user"]["phone_number"], phone.as_str());
    assert_eq!(first.body["user"]["scope"], "");
    for field in ["expires_at", "refresh_expires_at"] {
        assert!(
            first.body[field].as_str().unwrap().ends_with('Z'),
            "{field} is RFC 3339 UTC"
        );
    }
    // The user's id (16 bytes, for routing) and 256 random bits.
    let refresh = URL_SAFE_NO_PAD
        .decode(first.body["refresh_token"].as_str().unwrap())
        .unwrap();
    assert_eq!(refresh.len(), 48, "user id and 256-bit secret");
    let id = first.body["user"]["id"].as_str().unwrap().replace('-', "");
    let named: String = refresh[..16].iter().map(|b| format!("{b:02x}")).collect();
    assert_eq!(named, id, "the refresh token names its user");
}

#[tokio::test]
async fn the_access_token_is_an_es256_jwt_with_the_contract_claims() {
    let c = client();
    let phone = random_phone();
    let (session, code) = send_and_receive(&c, &phone).await;
    let login = c.login(&phone, &code, &session).await;
    assert_eq!(login.status, 200);
    let token = login.body["access_token"].as_str().unwrap();
    let parts: Vec<&str> = token.split('.').collect();
    assert_eq!(parts.len(), 3);
    let header: Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[0]).unwrap()).unwrap();
    let claims: Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[1]).unwrap()).unwrap();
    let vars = worker_vars();
    assert_eq!(
        header,
        json!({"alg": "ES256", "typ": "at+jwt", "kid": vars["JWT_SIGNING_KID"]})
    );
    assert_eq!(claims["sub"], login.body["user"]["id"]);
    assert_eq!(claims["sid"], login.body["session_id"]);
    assert_ne!(
        claims["sid"],
        session.as_str(),
        "the session is minted at login"
    );
    assert_eq!(
        claims["exp"].as_i64().unwrap() - claims["iat"].as_i64().unwrap(),
        900
    );
    for claim in ["iss", "aud", "client_id", "jti"] {
        assert!(
            claims[claim].as_str().is_some_and(|v| !v.is_empty()),
            "{claim}"
        );
    }
    // The signature verifies with the public half of the configured key (an independent
    // verifier: p256, not the worker's WebCrypto), and a flipped payload bit breaks it.
    use p256::pkcs8::DecodePrivateKey;
    let key = p256::ecdsa::SigningKey::from_pkcs8_pem(&vars["JWT_SIGNING_KEY"]).unwrap();
    let verifying = p256::ecdsa::VerifyingKey::from(&key);
    let signature =
        p256::ecdsa::Signature::from_slice(&URL_SAFE_NO_PAD.decode(parts[2]).unwrap()).unwrap();
    let signed = format!("{}.{}", parts[0], parts[1]);
    assert!(verifying.verify(signed.as_bytes(), &signature).is_ok());
    let mut tampered = signed.into_bytes();
    tampered[parts[0].len() + 5] ^= 1;
    assert!(verifying.verify(&tampered, &signature).is_err());
}

#[tokio::test]
async fn a_code_is_good_only_with_its_own_session_and_only_once() {
    let c = client();
    let phone = random_phone();
    let (session, code) = send_and_receive(&c, &phone).await;
    let other_session = "another-session-id-0123456789";
    // More logins with another session than the code has attempts: none of them counts.
    for _ in 0..6 {
        let wrong = c.login(&phone, &code, other_session).await;
        assert_eq!((wrong.status, wrong.code()), (401, "INVALID_OTP"));
    }
    assert_eq!(c.login(&phone, &code, &session).await.status, 200);
    let replay = c.login(&phone, &code, &session).await;
    assert_eq!((replay.status, replay.code()), (401, "INVALID_OTP"));
}

#[tokio::test]
async fn the_fifth_wrong_code_burns_it_and_then_even_the_right_one_is_gone() {
    let c = client();
    let phone = random_phone();
    let (session, code) = send_and_receive(&c, &phone).await;
    let wrong = if code == "000000" { "111111" } else { "000000" };
    for _ in 1..=4 {
        let r = c.login(&phone, wrong, &session).await;
        assert_eq!((r.status, r.code()), (401, "INVALID_OTP"));
    }
    let fifth = c.login(&phone, wrong, &session).await;
    assert_eq!((fifth.status, fifth.code()), (429, "TOO_MANY_ATTEMPTS"));
    let right = c.login(&phone, &code, &session).await;
    assert_eq!((right.status, right.code()), (401, "INVALID_OTP"));
}

#[tokio::test]
async fn login_without_a_session_asks_for_one_and_the_cookie_can_carry_it() {
    let c = client();
    let phone = random_phone();
    let (session, code) = send_and_receive(&c, &phone).await;
    let missing = c
        .post(
            "/api/v1/auth/login",
            json!({"phone_number": phone, "otp": code}),
        )
        .await;
    assert_eq!((missing.status, missing.code()), (400, "SESSION_REQUIRED"));
    assert_eq!(
        missing.body["error"],
        "session_id required - please call send OTP first"
    );
    let body = json!({"phone_number": phone, "otp": code})
        .to_string()
        .into_bytes();
    let by_cookie = c
        .post_raw(
            "/api/v1/auth/login",
            body,
            Some(&format!(
                "{}={session}",
                auth_core::http::routes::cookies::SESSION
            )),
        )
        .await;
    assert_eq!(by_cookie.status, 200, "{:?}", by_cookie.body);
}

#[tokio::test]
async fn a_given_session_id_is_reused_and_a_malformed_one_is_refused() {
    let c = client();
    let phone = random_phone();
    let mine = "client-chosen-session-0123456789";
    let sent = c.send_otp(&phone, Some(mine)).await;
    assert_eq!(sent.body["session_id"], mine);
    let bad = c.send_otp(&random_phone(), Some("short")).await;
    assert_eq!((bad.status, bad.code()), (400, "INVALID_REQUEST"));
}

#[tokio::test]
async fn an_expired_code_is_refused_like_a_wrong_one() {
    let c = client();
    let phone = random_phone();
    let (session, code) = send_and_receive(&c, &phone).await;
    // Let the code's TTL run out now rather than in 120 s: expire its key through the gateway.
    let vars = worker_vars();
    let redis = auth_adapters::upstash::UpstashRedis::new(
        &vars["REDIS_REST_URL"],
        &vars["REDIS_REST_TOKEN"],
    );
    let key = format!("{}otp:{{{phone}}}", vars["REDIS_KEY_PREFIX"]);
    assert_eq!(
        redis.command(&["PEXPIRE", &key, "1"]).await.unwrap(),
        json!(1),
        "the code's key must exist"
    );
    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    let r = c.login(&phone, &code, &session).await;
    assert_eq!((r.status, r.code()), (401, "INVALID_OTP"));
}

#[tokio::test]
async fn a_failed_sms_is_a_502_that_leaves_no_code_and_no_cooldown_behind() {
    let c = client();
    let phone = random_phone();
    receiver().fail_deliveries_to(&phone);
    let sent = c.send_otp(&phone, None).await;
    assert_eq!((sent.status, sent.code()), (502, "SMS_DELIVERY_FAILED"));
    let session = "session-after-failed-sms-0123";
    for guess in ["000000", "123456"] {
        let r = c.login(&phone, guess, session).await;
        assert_eq!(
            (r.status, r.code()),
            (401, "INVALID_OTP"),
            "no usable code may remain"
        );
    }
    let retry = c.send_otp(&phone, None).await;
    assert_eq!(
        retry.code(),
        "SMS_DELIVERY_FAILED",
        "a retry is not held back by the cooldown"
    );
}

#[tokio::test]
async fn bad_input_gets_the_documented_4xx_and_never_a_5xx() {
    let c = client();
    let phone = random_phone();
    let huge_phone = "1".repeat(10_000);
    let cases: Vec<(&str, Vec<u8>, u16, &str)> = vec![
        (
            "/api/v1/auth/send-otp",
            b"{not json".to_vec(),
            400,
            "INVALID_REQUEST",
        ),
        (
            "/api/v1/auth/send-otp",
            b"[]".to_vec(),
            400,
            "INVALID_REQUEST",
        ),
        (
            "/api/v1/auth/send-otp",
            b"".to_vec(),
            400,
            "INVALID_REQUEST",
        ),
        (
            "/api/v1/auth/send-otp",
            br#"{}"#.to_vec(),
            400,
            "INVALID_REQUEST",
        ),
        (
            "/api/v1/auth/send-otp",
            br#"{"phone_number": 14155552671}"#.to_vec(),
            400,
            "INVALID_REQUEST",
        ),
        (
            "/api/v1/auth/send-otp",
            br#"{"phone_number": null}"#.to_vec(),
            400,
            "INVALID_REQUEST",
        ),
        (
            "/api/v1/auth/send-otp",
            json!({"phone_number": huge_phone}).to_string().into_bytes(),
            400,
            "INVALID_PHONE",
        ),
        (
            "/api/v1/auth/send-otp",
            json!({"phone_number": "not a phone"})
                .to_string()
                .into_bytes(),
            400,
            "INVALID_PHONE",
        ),
        (
            "/api/v1/auth/send-otp",
            json!({"phone_number": "＋１４１５５５５２６７１"})
                .to_string()
                .into_bytes(),
            400,
            "INVALID_PHONE",
        ),
        (
            "/api/v1/auth/send-otp",
            json!({"phone_number": "09123456789"})
                .to_string()
                .into_bytes(),
            400,
            "INVALID_PHONE",
        ),
        (
            "/api/v1/auth/send-otp",
            json!({"phone_number": phone, "session_id": 5})
                .to_string()
                .into_bytes(),
            400,
            "INVALID_REQUEST",
        ),
        (
            "/api/v1/auth/send-otp",
            vec![b' '; 17 * 1024],
            413,
            "PAYLOAD_TOO_LARGE",
        ),
        (
            "/api/v1/auth/login",
            json!({"phone_number": phone, "otp": "12ab56", "session_id": "s-0123456789abcdef"})
                .to_string()
                .into_bytes(),
            400,
            "INVALID_REQUEST",
        ),
        (
            "/api/v1/auth/login",
            json!({"phone_number": phone, "otp": "١٢٣٤٥٦", "session_id": "s-0123456789abcdef"})
                .to_string()
                .into_bytes(),
            400,
            "INVALID_REQUEST",
        ),
        (
            "/api/v1/auth/login",
            json!({"phone_number": phone, "otp": 123456, "session_id": "s-0123456789abcdef"})
                .to_string()
                .into_bytes(),
            400,
            "INVALID_REQUEST",
        ),
        (
            "/api/v1/auth/login",
            json!({"phone_number": phone, "otp": "1234567", "session_id": "s-0123456789abcdef"})
                .to_string()
                .into_bytes(),
            400,
            "INVALID_REQUEST",
        ),
        (
            "/api/v1/auth/login",
            json!({"phone_number": phone, "session_id": "s-0123456789abcdef"})
                .to_string()
                .into_bytes(),
            400,
            "INVALID_REQUEST",
        ),
        (
            "/api/v1/auth/login",
            json!({"phone_number": "x", "otp": "123456", "session_id": "s-0123456789abcdef"})
                .to_string()
                .into_bytes(),
            400,
            "INVALID_PHONE",
        ),
        (
            "/api/v1/auth/login",
            json!({"phone_number": phone, "otp": "123456", "session_id": "../../etc/passwd-xx"})
                .to_string()
                .into_bytes(),
            400,
            "INVALID_REQUEST",
        ),
        (
            "/api/v1/auth/login",
            vec![b'{'; 20 * 1024],
            413,
            "PAYLOAD_TOO_LARGE",
        ),
    ];
    for (path, body, status, code) in cases {
        let shown = String::from_utf8_lossy(&body[..body.len().min(60)]).into_owned();
        let r = c.post_raw(path, body, None).await;
        assert_eq!(
            (r.status, r.code()),
            (status, code),
            "{path} {shown}: {:?}",
            r.body
        );
        assert!(r.body["error"].is_string(), "every error has a message");
    }
}

/// A body that does not say it is JSON is refused before any handler: an HTML form or a
/// `text/plain` fetch from another site cannot post to the API as a simple request.
#[tokio::test]
async fn a_body_that_is_not_declared_json_is_415() {
    let http = reqwest::Client::new();
    let body = json!({"phone_number": random_phone()}).to_string();
    for content_type in [
        Some("text/plain"),
        Some("application/x-www-form-urlencoded"),
        None,
    ] {
        let mut request = http
            .post(format!("{}/api/v1/auth/send-otp", base_url()))
            .body(body.clone());
        if let Some(t) = content_type {
            request = request.header("content-type", t);
        }
        let response = request.send().await.unwrap();
        let status = response.status().as_u16();
        let error: Value = response.json().await.unwrap();
        e2e::openapi::check("POST", "/api/v1/auth/send-otp", status, &error);
        assert_eq!(
            (status, error["code"].as_str()),
            (415, Some("UNSUPPORTED_MEDIA_TYPE")),
            "{content_type:?}"
        );
    }
}
