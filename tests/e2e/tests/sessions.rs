//! The caller's sessions: listing them and revoking one, authenticated by bearer token.

use e2e::api::{random_phone, Client};
use e2e::variants;
use e2e::webhook::receiver;
use serde_json::{json, Value};

async fn login(c: &Client, phone: &str) -> Value {
    let sent = c.send_otp(phone, None).await;
    assert_eq!(sent.status, 200, "{:?}", sent.body);
    let session = sent.body["session_id"].as_str().unwrap().to_owned();
    let login = c.login(phone, &receiver().latest(phone), &session).await;
    assert_eq!(login.status, 200, "{:?}", login.body);
    assert_ne!(
        login.body["session_id"], session,
        "the session is the server's, not the code's"
    );
    login.body
}

async fn call(method: reqwest::Method, url: &str, bearer: Option<&str>) -> (u16, Value) {
    let method_name = method.as_str().to_owned();
    let mut request = reqwest::Client::new()
        .request(method, url)
        .header("user-agent", "e2e-sessions/1.0");
    if let Some(token) = bearer {
        request = request.bearer_auth(token);
    }
    let response = request.send().await.unwrap();
    let path = response.url().path().to_owned();
    let status = response.status().as_u16();
    let body = response.json().await.unwrap_or(Value::Null);
    e2e::openapi::check(&method_name, &path, status, &body);
    (status, body)
}

#[tokio::test]
async fn a_user_lists_their_sessions_and_revokes_one_and_nobody_elses() {
    let worker = variants::start("sessions", &[("OTP_RESEND_COOLDOWN_SECONDS", "0")]);
    let base = worker.instance.url();
    let c = Client::new(&base);
    let phone = random_phone();
    let first = login(&c, &phone).await;
    let second = login(&c, &phone).await;
    let token = second["access_token"].as_str().unwrap();

    let (status, list) = call(
        reqwest::Method::GET,
        &format!("{base}/api/v1/auth/sessions"),
        Some(token),
    )
    .await;
    assert_eq!(status, 200, "{list}");
    let sessions = list["sessions"].as_array().unwrap();
    assert_eq!(sessions.len(), 2);
    let current: Vec<_> = sessions.iter().filter(|s| s["current"] == true).collect();
    assert_eq!(current.len(), 1);
    assert_eq!(current[0]["id"], second["session_id"]);
    for s in sessions {
        for field in ["created_at", "last_used_at", "expires_at"] {
            assert!(s[field].as_str().unwrap().ends_with('Z'));
        }
        assert_eq!(s["ip"], c.ip.as_str());
    }

    // Another user's session id is not found, and so is nonsense.
    let stranger = login(&Client::new(&base), &random_phone()).await;
    for target in [
        stranger["session_id"].as_str().unwrap(),
        "no-such-session-0123456789",
        "%2e%2e",
    ] {
        let (status, body) = call(
            reqwest::Method::DELETE,
            &format!("{base}/api/v1/auth/sessions/{target}"),
            Some(token),
        )
        .await;
        assert_eq!(
            (status, body["code"].as_str()),
            (404, Some("NOT_FOUND")),
            "{target}"
        );
    }

    let target = first["session_id"].as_str().unwrap();
    let (status, _) = call(
        reqwest::Method::DELETE,
        &format!("{base}/api/v1/auth/sessions/{target}"),
        Some(token),
    )
    .await;
    assert_eq!(status, 200);
    let (_, list) = call(
        reqwest::Method::GET,
        &format!("{base}/api/v1/auth/sessions"),
        Some(token),
    )
    .await;
    assert_eq!(list["sessions"].as_array().unwrap().len(), 1);
    let refresh = c
        .post(
            "/api/v1/auth/refresh",
            json!({"refresh_token": first["refresh_token"]}),
        )
        .await;
    assert_eq!(
        refresh.code(),
        "INVALID_REFRESH_TOKEN",
        "the revoked session's refresh token is dead"
    );
    let (status, _) = call(
        reqwest::Method::GET,
        &format!("{base}/api/v1/users/profile"),
        Some(first["access_token"].as_str().unwrap()),
    )
    .await;
    assert_eq!(
        status, 401,
        "and so is its access token, for the endpoints that check the session"
    );
    assert_ne!(stranger["user"]["id"], second["user"]["id"]);

    let (status, _) = call(
        reqwest::Method::GET,
        &format!("{base}/api/v1/auth/sessions"),
        None,
    )
    .await;
    assert_eq!(status, 401);
}

#[tokio::test]
async fn a_revoked_session_stays_revoked_when_the_same_client_logs_in_again() {
    let worker = variants::start("no-revival", &[("OTP_RESEND_COOLDOWN_SECONDS", "0")]);
    let base = worker.instance.url();
    let c = Client::new(&base);
    let phone = random_phone();
    // A client that always presents the same session id to send-otp.
    let mine = "one-client-session-id-0123456789";
    let login_with = |c: Client, phone: String| async move {
        let sent = c.send_otp(&phone, Some(mine)).await;
        assert_eq!(sent.status, 200, "{:?}", sent.body);
        let login = c.login(&phone, &receiver().latest(&phone), mine).await;
        assert_eq!(login.status, 200, "{:?}", login.body);
        login.body
    };
    let old = login_with(c.clone(), phone.clone()).await;
    let other = login_with(c.clone(), phone.clone()).await;
    let (status, _) = call(
        reqwest::Method::DELETE,
        &format!(
            "{base}/api/v1/auth/sessions/{}",
            old["session_id"].as_str().unwrap()
        ),
        Some(other["access_token"].as_str().unwrap()),
    )
    .await;
    assert_eq!(status, 200, "revoked from the user's other session");
    let new = login_with(c.clone(), phone.clone()).await;
    assert_ne!(new["session_id"], old["session_id"]);
    assert_ne!(new["session_id"], mine);

    let (status, _) = call(
        reqwest::Method::GET,
        &format!("{base}/api/v1/users/profile"),
        Some(old["access_token"].as_str().unwrap()),
    )
    .await;
    assert_eq!(
        status, 401,
        "the revoked session's access token stays refused"
    );
    let refresh = c
        .post(
            "/api/v1/auth/refresh",
            json!({"refresh_token": old["refresh_token"]}),
        )
        .await;
    assert_eq!(
        (refresh.status, refresh.code()),
        (401, "INVALID_REFRESH_TOKEN"),
        "and so does its refresh token"
    );
    let (status, _) = call(
        reqwest::Method::GET,
        &format!("{base}/api/v1/users/profile"),
        Some(new["access_token"].as_str().unwrap()),
    )
    .await;
    assert_eq!(status, 200, "the new session works");
}

#[tokio::test]
async fn a_session_revokes_itself_and_then_its_tokens_are_refused() {
    let c = Client::new(&e2e::base_url());
    let me = login(&c, &random_phone()).await;
    let base = e2e::base_url();
    let token = me["access_token"].as_str().unwrap();
    let own = me["session_id"].as_str().unwrap();
    let (status, body) = call(
        reqwest::Method::DELETE,
        &format!("{base}/api/v1/auth/sessions/{own}"),
        Some(token),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let (status, _) = call(
        reqwest::Method::GET,
        &format!("{base}/api/v1/users/profile"),
        Some(token),
    )
    .await;
    assert_eq!(status, 401, "the revoked session's access token is refused");
    let refresh = c
        .post(
            "/api/v1/auth/refresh",
            json!({"refresh_token": me["refresh_token"]}),
        )
        .await;
    assert_eq!(refresh.code(), "INVALID_REFRESH_TOKEN");
}
