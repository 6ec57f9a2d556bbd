//! The otp-auth-v1 profile (`API_PROFILE=otp-auth-v1`), driven the way a client of the Go
//! service drives it: a cookie jar and no token handling of its own; refresh and logout with no
//! body. Every answer is checked against `openapi/otp-auth-v1.yaml`, which the worker serves.

use e2e::api::random_phone;
use e2e::go_client::{assert_error, GoClient};
use e2e::variants;
use e2e::webhook::receiver;
use serde_json::json;

#[tokio::test]
async fn a_client_of_the_go_service_logs_in_refreshes_and_logs_out_with_cookies_only() {
    let worker = variants::start("otp-auth-v1", &[("API_PROFILE", "otp-auth-v1")]);
    let base = worker.instance.url();
    receiver();
    let served = reqwest::get(format!("{base}/openapi.yaml"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(served, include_str!("../../../openapi/otp-auth-v1.yaml"));

    let mut go = GoClient::new(&base);
    // The Go service's health bodies, with the backends really asked.
    for (path, word) in [
        ("/live", "alive"),
        ("/health", "healthy"),
        ("/ready", "ready"),
    ] {
        let answer = go.send("GET", path, None, &[]).await;
        assert_eq!(answer.status, 200, "{path}: {}", answer.body);
        assert_eq!(answer.body["status"], word, "{path}");
    }
    let bad = go
        .send(
            "POST",
            "/api/v1/auth/send-otp",
            Some(json!({"phone_number": "12"})),
            &[],
        )
        .await;
    assert_error(&bad, 400, "VALIDATION_ERROR");

    let phone = random_phone();
    let sent = go
        .send(
            "POST",
            "/api/v1/auth/send-otp",
            Some(json!({"phone_number": phone})),
            &[],
        )
        .await;
    assert_eq!(sent.status, 200, "{}", sent.body);
    // Every /api/v1 answer says where the client stands in its request window.
    let limit: u64 = go.header("x-ratelimit-limit").unwrap().parse().unwrap();
    let remaining: u64 = go.header("x-ratelimit-remaining").unwrap().parse().unwrap();
    assert!(remaining < limit, "{remaining} of {limit}");
    assert_eq!(go.header("x-ratelimit-window").as_deref(), Some("1m0s"));
    let reset: i64 = go.header("x-ratelimit-reset").unwrap().parse().unwrap();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    assert!(
        reset > now - 1 && reset <= now + 61,
        "reset {reset}, now {now}"
    );
    let cookie = go
        .set_cookie("session_id")
        .expect("send-otp sets session_id");
    for attribute in ["Path=/;", "Max-Age=259200", "HttpOnly", "Secure"] {
        assert!(cookie.contains(attribute), "{cookie}");
    }
    let code = receiver().latest(&phone);

    // Every failed login is a 401, as the Go service answered.
    let wrong = if code == "000000" { "111111" } else { "000000" };
    let login = |otp: &str| json!({"phone_number": phone, "otp": otp});
    let failed = go
        .send("POST", "/api/v1/auth/login", Some(login(wrong)), &[])
        .await;
    assert_error(&failed, 401, "UNAUTHORIZED_ERROR");
    let malformed = go
        .send("POST", "/api/v1/auth/login", Some(login("12")), &[])
        .await;
    assert_error(&malformed, 401, "UNAUTHORIZED_ERROR");
    let mut stranger = GoClient::new(&base);
    let no_cookie = stranger
        .send("POST", "/api/v1/auth/login", Some(login(&code)), &[])
        .await;
    assert_error(&no_cookie, 401, "UNAUTHORIZED_ERROR");

    let logged_in = go
        .send("POST", "/api/v1/auth/login", Some(login(&code)), &[])
        .await;
    assert_eq!(logged_in.status, 200, "{}", logged_in.body);
    for name in ["access_token", "refresh_token", "session_id"] {
        let cookie = go
            .set_cookie(name)
            .unwrap_or_else(|| panic!("login sets {name}"));
        assert!(
            cookie.contains("Path=/;") && cookie.contains("Secure"),
            "{cookie}"
        );
    }
    assert_eq!(go.jar["session_id"], logged_in.body["session_id"]);
    assert_eq!(
        logged_in.body["user"]["scope"], "user",
        "new users get `user`"
    );

    // The users list lives at /api/v1/users/ (the path without the slash redirects there),
    // is for `admin` and `superadmin` (the Go service let anyone list), and mends its paging.
    let redirected = go.send("GET", "/api/v1/users?limit=500", None, &[]).await;
    assert_eq!(redirected.status, 301);
    assert_eq!(go.location.as_deref(), Some("/api/v1/users/?limit=500"));
    let listed = go.send("GET", "/api/v1/users/", None, &[]).await;
    assert_error(&listed, 403, "FORBIDDEN");
    auth_ops::scope::set(&e2e::stack().database_url(), &phone, "admin").unwrap();
    let listed = go
        .send("GET", "/api/v1/users/?limit=500&page=0", None, &[])
        .await;
    assert_eq!(listed.status, 200, "an admin lists users: {}", listed.body);
    assert_eq!(
        (&listed.body["limit"], &listed.body["page"]),
        (&json!(100), &json!(1))
    );
    // search_phone matches anywhere in the number, as the Go service's did.
    let middle = &phone[5..10];
    let searched = go
        .send(
            "GET",
            &format!("/api/v1/users/?search_phone={middle}"),
            None,
            &[],
        )
        .await;
    assert_eq!(searched.status, 200, "{}", searched.body);
    let phones: Vec<&str> = searched.body["users"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["phone_number"].as_str().unwrap())
        .collect();
    assert!(phones.contains(&phone.as_str()), "{middle} in {phones:?}");
    assert!(phones.iter().all(|p| p.contains(middle)));

    // Bearer routes take the access_token cookie, as the Go service's middleware did.
    let profile = go.send("GET", "/api/v1/users/profile", None, &[]).await;
    assert_eq!(profile.status, 200, "{}", profile.body);
    assert_eq!(profile.body["user"]["phone_number"], json!(phone));
    let anonymous = stranger
        .send("GET", "/api/v1/users/profile", None, &[])
        .await;
    assert_error(&anonymous, 401, "UNAUTHORIZED");

    // Refresh: no body, the cookies only; a page the API does not trust is refused first.
    let forged = go
        .send(
            "POST",
            "/api/v1/auth/refresh",
            None,
            &[("origin", "https://evil.example")],
        )
        .await;
    assert_error(&forged, 403, "FORBIDDEN_ERROR");
    let before = go.jar["refresh_token"].clone();
    let refreshed = go.send("POST", "/api/v1/auth/refresh", None, &[]).await;
    assert_eq!(refreshed.status, 200, "{}", refreshed.body);
    assert_ne!(
        go.jar["refresh_token"], before,
        "the refresh cookie is rotated"
    );
    assert!(refreshed.body.get("csrf_token").is_none());
    let no_cookies = stranger
        .send("POST", "/api/v1/auth/refresh", None, &[])
        .await;
    assert_error(&no_cookies, 401, "UNAUTHORIZED_ERROR");

    // Logout: no body, 200, and the three cookies cleared.
    let out = go.send("POST", "/api/v1/auth/logout", None, &[]).await;
    assert_eq!(out.status, 200, "{}", out.body);
    assert_eq!(out.body, json!({"message": "Logout successful"}));
    assert!(go.jar.is_empty(), "cookies left: {:?}", go.jar);
    let again = stranger
        .send("POST", "/api/v1/auth/logout", None, &[])
        .await;
    assert_eq!(again.status, 200, "a logout without cookies is a 200 too");

    let unknown = go.send("GET", "/api/v1/nothing-here", None, &[]).await;
    assert_error(&unknown, 404, "NOT_FOUND");
    let wrong_method = go.send("GET", "/api/v1/auth/refresh", None, &[]).await;
    assert_error(&wrong_method, 404, "NOT_FOUND");
}

/// The Go service's Iranian clients send national numbers (`09…`): with `DEFAULT_REGION=IR`
/// the profile takes them, and answers with the E.164 form.
#[tokio::test]
async fn a_national_number_logs_in_with_the_configured_default_region() {
    let worker = variants::start(
        "otp-auth-v1-ir",
        &[("API_PROFILE", "otp-auth-v1"), ("DEFAULT_REGION", "IR")],
    );
    receiver();
    let mut go = GoClient::new(&worker.instance.url());
    let national = format!("0912{:07}", e2e::api::random_u32() % 10_000_000);
    let e164 = format!("+98{}", &national[1..]);
    let logged_in = go.log_in(&national, &e164).await;
    assert_eq!(logged_in.status, 200, "{}", logged_in.body);
    assert_eq!(logged_in.body["user"]["phone_number"], json!(e164));
}

/// Over the request limit, an /api/v1 request is refused before anything runs: 429
/// `RATE_LIMIT_ERROR` with `Retry-After`, and the headers say nothing is left.
#[tokio::test]
async fn the_request_limit_refuses_a_client_over_it_with_the_go_services_answer() {
    let worker = variants::start(
        "otp-auth-v1-limited",
        &[
            ("API_PROFILE", "otp-auth-v1"),
            ("API_RATE_LIMIT_REQUESTS", "3"),
        ],
    );
    let mut go = GoClient::new(&worker.instance.url());
    let mut answers = Vec::new();
    for _ in 0..6 {
        let answer = go.send("GET", "/api/v1/users/profile", None, &[]).await;
        answers.push((answer.status, go.header("x-ratelimit-remaining")));
        if answer.status == 429 {
            assert_error(&answer, 429, "RATE_LIMIT_ERROR");
            assert!(go.header("retry-after").is_some());
        }
    }
    // A window may end mid-run; at least the fourth request of one window is refused.
    assert!(answers.iter().any(|(s, _)| *s == 429), "{answers:?}");
    assert!(
        answers
            .iter()
            .all(|(s, left)| *s != 429 || left.as_deref() == Some("0")),
        "{answers:?}"
    );
    assert_eq!(
        answers[0].0, 401,
        "the first requests reach the route: {answers:?}"
    );
}
