//! Abuse limits, each counted in Redis and answered with 429 RATE_LIMITED and Retry-After, on
//! workers whose limits are tightened so a test reaches them in a few requests.

use e2e::api::{random_ip, random_phone, Client};
use e2e::variants;
use e2e::webhook::receiver;
use serde_json::json;

#[tokio::test]
async fn with_tightened_limits_each_limit_answers_429_with_retry_after() {
    let test_number = random_phone();
    let test_numbers = format!("{test_number}=246810");
    let worker = variants::start(
        "tight",
        &[
            ("OTP_RESEND_COOLDOWN_SECONDS", "0"),
            ("OTP_SENDS_PER_WINDOW", "100"),
            ("OTP_SENDS_PER_DAY", "10"),
            ("IP_SENDS_PER_WINDOW", "12"),
            ("IP_LOGINS_PER_WINDOW", "20"),
            ("FAILED_LOGIN_CEILING", "8"),
            ("LOCKOUT_SECONDS", "120"),
            ("SMS_DENIED_CALLING_CODES", "44"),
            ("OTP_TEST_NUMBERS", &test_numbers),
        ],
    );
    let url = worker.instance.url();

    // A daily cap per phone: the 11th send of the day is refused.
    let phone = random_phone();
    for i in 0..10 {
        let r = Client::new(&url).send_otp(&phone, None).await;
        assert_eq!(r.status, 200, "send {i}: {:?}", r.body);
    }
    let r = Client::new(&url).send_otp(&phone, None).await;
    assert_eq!((r.status, r.code()), (429, "RATE_LIMITED"));
    assert!(r.body["details"].as_str().unwrap().contains("today"));
    assert!(
        r.retry_after.is_some_and(|s| s > 0 && s <= 86_400),
        "{:?}",
        r.retry_after
    );

    // Sends per client IP, across phones: the 13th from one address is refused.
    let one_ip = Client::new(&url).with_ip(&random_ip());
    for i in 0..12 {
        assert_eq!(
            one_ip.send_otp(&random_phone(), None).await.status,
            200,
            "send {i}"
        );
    }
    let r = one_ip.send_otp(&random_phone(), None).await;
    assert_eq!((r.status, r.code()), (429, "RATE_LIMITED"));
    assert!(r.body["details"].as_str().unwrap().contains("address"));
    assert!(r.retry_after.is_some_and(|s| s > 0 && s <= 600));

    // Logins per client IP: the 21st attempt from one address is refused before it is checked.
    let one_ip = Client::new(&url).with_ip(&random_ip());
    for i in 0..20 {
        let r = one_ip
            .login(&random_phone(), "123456", "login-limit-session-0123")
            .await;
        assert_eq!(r.code(), "INVALID_OTP", "login {i}: {:?}", r.body);
    }
    let r = one_ip
        .login(&random_phone(), "123456", "login-limit-session-0123")
        .await;
    assert_eq!((r.status, r.code()), (429, "RATE_LIMITED"));

    // Consecutive failed logins per account: the 8th failure locks the phone for sends and
    // logins alike, even with a fresh code and the right answer.
    let phone = random_phone();
    let c = Client::new(&url);
    let mut failures = 0;
    while failures < 8 {
        let sent = c.send_otp(&phone, None).await;
        assert_eq!(sent.status, 200, "{:?}", sent.body);
        let session = sent.body["session_id"].as_str().unwrap().to_owned();
        let code = receiver().latest(&phone);
        let wrong = if code == "000000" { "111111" } else { "000000" };
        for _ in 0..5 {
            if failures == 8 {
                break;
            }
            let r = Client::new(&url).login(&phone, wrong, &session).await;
            failures += 1;
            assert!(
                matches!(r.code(), "INVALID_OTP" | "TOO_MANY_ATTEMPTS"),
                "{:?}",
                r.body
            );
        }
    }
    let locked = c.send_otp(&phone, None).await;
    assert_eq!((locked.status, locked.code()), (429, "RATE_LIMITED"));
    assert!(locked.body["details"].as_str().unwrap().contains("locked"));
    assert!(locked.retry_after.is_some_and(|s| s > 0 && s <= 120));
    let r = Client::new(&url)
        .login(&phone, "123456", "locked-phone-session-0123")
        .await;
    assert_eq!((r.status, r.code()), (429, "RATE_LIMITED"));

    // SMS pumping defence: a denied country's number is refused before anything is sent.
    let r = Client::new(&url).send_otp("+44 7911 123456", None).await;
    assert_eq!((r.status, r.code()), (400, "INVALID_PHONE"));

    // A configured test number takes its fixed code without an SMS.
    let sent = Client::new(&url).send_otp(&test_number, None).await;
    assert_eq!(sent.status, 200);
    assert_eq!(
        receiver().count(&test_number),
        0,
        "no SMS for a test number"
    );
    let session = sent.body["session_id"].as_str().unwrap();
    let r = Client::new(&url)
        .login(&test_number, "246810", session)
        .await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert!(worker.instance.log_path().exists());
    let log = std::fs::read_to_string(worker.instance.log_path()).unwrap();
    assert!(
        log.contains("OTP_TEST_NUMBERS is set"),
        "test numbers are announced as a warning"
    );
}

#[tokio::test]
async fn send_otp_answers_alike_whether_or_not_the_number_has_an_account() {
    // Limits relaxed so the same number can be sent to again and again.
    let worker = variants::start(
        "relaxed",
        &[
            ("OTP_RESEND_COOLDOWN_SECONDS", "0"),
            ("OTP_SENDS_PER_WINDOW", "1000"),
            ("OTP_SENDS_PER_DAY", "1000"),
            ("IP_SENDS_PER_WINDOW", "100000"),
        ],
    );
    let url = worker.instance.url();
    let known = random_phone();
    let c = Client::new(&url);
    let sent = c.send_otp(&known, None).await;
    let session = sent.body["session_id"].as_str().unwrap().to_owned();
    let login = c.login(&known, &receiver().latest(&known), &session).await;
    assert_eq!(login.status, 200);

    // Two spellings of the number are one account.
    let spelled = format!(
        "{} ({}) {}-{}",
        &known[..2],
        &known[2..5],
        &known[5..8],
        &known[8..]
    );
    let again = c.send_otp(&spelled, None).await;
    let session2 = again.body["session_id"].as_str().unwrap().to_owned();
    let second = c
        .login(&spelled, &receiver().latest(&known), &session2)
        .await;
    assert_eq!(second.body["is_new_user"], false);
    assert_eq!(second.body["user"]["id"], login.body["user"]["id"]);

    let mut timings = [Vec::new(), Vec::new()];
    for _ in 0..15 {
        for (i, phone) in [known.clone(), random_phone()].iter().enumerate() {
            let started = std::time::Instant::now();
            let r = c.send_otp(phone, None).await;
            timings[i].push(started.elapsed().as_secs_f64() * 1000.0);
            assert_eq!(r.status, 200);
            let mut shape = r.body.clone();
            shape["session_id"] = json!("");
            assert_eq!(
                shape,
                json!({"message": "OTP sent successfully", "session_id": "", "expires_in": 120, "resend_after": 0, "channel": "sms"})
            );
        }
    }
    let median = |v: &mut Vec<f64>| {
        v.sort_by(|a, b| a.partial_cmp(b).unwrap());
        v[v.len() / 2]
    };
    let (known_ms, unknown_ms) = (median(&mut timings[0]), median(&mut timings[1]));
    // send-otp never reads the user table, so any gap is noise; allow generous noise.
    assert!(
        (known_ms - unknown_ms).abs() < 5.0_f64.max(0.5 * unknown_ms),
        "known {known_ms:.1} ms vs unknown {unknown_ms:.1} ms"
    );
}

/// `"phone";r=2;t=540` as (name, remaining, reset).
fn state(field: &str) -> (String, u32, u32) {
    let mut parts = field.split(';');
    let name = parts.next().unwrap().trim_matches('"').to_owned();
    let mut param = |key: &str| {
        parts
            .next()
            .and_then(|p| p.strip_prefix(key))
            .and_then(|v| v.parse().ok())
            .unwrap_or_else(|| panic!("{field}: no {key}"))
    };
    (name, param("r="), param("t="))
}

#[tokio::test]
async fn send_otp_and_login_carry_only_the_callers_own_ratelimit_fields() {
    let c = Client::new(&e2e::base_url());
    let phone = random_phone();
    let sent = c.send_otp(&phone, None).await;
    assert_eq!(sent.status, 200, "{:?}", sent.body);
    let (policy, now) = sent.rate_limit.clone().expect("send-otp carries RateLimit");
    assert_eq!(
        policy, r#""address";q=30;w=600"#,
        "the caller's address's sends, never the number's"
    );
    let (name, remaining, reset) = state(&now);
    assert_eq!((name.as_str(), remaining), ("address", 29));
    assert!((1..=600).contains(&reset), "{now}");

    // Someone else asks for the same number: refused by its cooldown, the answer says nothing
    // of the codes the number was sent (before this fix it read "phone";r=2: one code sent).
    let stranger = Client::new(&e2e::base_url());
    let again = stranger.send_otp(&phone, None).await;
    assert_eq!(again.status, 429);
    let (policy, now) = again
        .rate_limit
        .expect("a 429 carries the caller's own quota");
    assert_eq!(policy, r#""address";q=30;w=600"#);
    assert_eq!(
        state(&now).1,
        30,
        "the stranger's address, untouched by the refused send"
    );

    let session = sent.body["session_id"].as_str().unwrap();
    let login = c.login(&phone, &receiver().latest(&phone), session).await;
    assert_eq!(login.status, 200, "{:?}", login.body);
    let (policy, now) = login.rate_limit.expect("login carries RateLimit");
    assert_eq!(policy, r#""address";q=60;w=600"#);
    assert_eq!(state(&now).1, 59, "this client's first login in the window");
}
