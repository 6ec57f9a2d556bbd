//! What each request costs in round trips, counted outside the worker: requests in the
//! gateway's access log, and queries in PgBouncer's statistics. And what must never be logged.

use e2e::api::{as_bearer, random_phone, Client};
use e2e::costs::{
    after_answer_writes_with_scripts, pooled_queries, pooled_queries_since,
    settled_gateway_requests,
};
use e2e::webhook::receiver;
use e2e::{base_url, stack, variants, worker_log};
use serde_json::json;
use std::time::Duration;

#[tokio::test]
async fn send_otp_and_login_each_cost_one_gateway_call_and_the_login_is_counted_after_the_answer() {
    let c = Client::new(&base_url());
    let phone = random_phone();

    let before = settled_gateway_requests().await;
    let sms_before = receiver().delivered();
    let sent = c.send_otp(&phone, None).await;
    assert_eq!(sent.status, 200);
    assert_eq!(
        settled_gateway_requests().await - before,
        1,
        "send-otp: gateway calls"
    );
    assert_eq!(
        receiver().delivered() - sms_before,
        1,
        "send-otp: SMS calls"
    );

    let code = receiver().latest(&phone);
    let session = sent.body["session_id"].as_str().unwrap();
    let wrong = if code == "000000" { "111111" } else { "000000" };
    let before = settled_gateway_requests().await;
    let deferred_at_wrong = after_answer_writes_with_scripts();
    let refused = c.login(&phone, wrong, session).await;
    assert_eq!(refused.status, 401, "{:?}", refused.body);
    // The address counted and the code checked in one pipeline (docs/redis-cluster.md).
    assert_eq!(
        settled_gateway_requests().await - before,
        1,
        "a wrong code: gateway calls"
    );
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(
        after_answer_writes_with_scripts(),
        deferred_at_wrong,
        "a wrong code counts no login"
    );

    let before = settled_gateway_requests().await;
    let deferred_before = after_answer_writes_with_scripts();
    let queries_before = pooled_queries().await;
    let login = c.login(&phone, &code, session).await;
    assert_eq!(login.status, 200, "{:?}", login.body);
    // The same pipeline; the login's count in the risk records (their own slots) waits for
    // the isolate's metrics write after the answer.
    assert_eq!(
        settled_gateway_requests().await - before,
        1,
        "login: gateway calls"
    );
    let waited = std::time::Instant::now();
    while after_answer_writes_with_scripts() == deferred_before
        && waited.elapsed() < Duration::from_secs(3)
    {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(
        after_answer_writes_with_scripts() - deferred_before,
        1,
        "the login is counted in the risk records by the metrics write after the answer"
    );
    // A new number: the phone's claim (routed by phone), then the account write (by user id).
    let queries = pooled_queries_since(queries_before).await;
    assert_eq!(queries, 2, "a new number's login: Postgres statements");
}

/// A login of `phone` from a code sent now, and what it cost: its gateway calls and Postgres
/// statements. Returns once the after-answer write that remembers its account is in.
struct CountedLogin {
    user: String,
    access_token: String,
    calls: usize,
    queries: i64,
}

async fn counted_login(c: &Client, phone: &str) -> CountedLogin {
    let seen = receiver().count(phone);
    let sent = c.send_otp(phone, None).await;
    assert_eq!(sent.status, 200, "{:?}", sent.body);
    let code = receiver().code_after(phone, seen);
    let session = sent.body["session_id"].as_str().unwrap().to_owned();
    let gateway_before = settled_gateway_requests().await;
    let queries_before = pooled_queries().await;
    let deferred_before = after_answer_writes_with_scripts();
    let login = c.login(phone, &code, &session).await;
    assert_eq!(login.status, 200, "{:?}", login.body);
    let calls = settled_gateway_requests().await - gateway_before;
    let queries = pooled_queries_since(queries_before).await;
    // The account it reached is remembered by the metrics write after the answer.
    let waited = std::time::Instant::now();
    while after_answer_writes_with_scripts() == deferred_before
        && waited.elapsed() < Duration::from_secs(3)
    {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let text = |pointer: &str| {
        login
            .body
            .pointer(pointer)
            .unwrap()
            .as_str()
            .unwrap()
            .to_owned()
    };
    CountedLogin {
        user: text("/user/id"),
        access_token: text("/access_token"),
        calls,
        queries,
    }
}

/// The store remembers the account a number's login reached (written with the metrics after
/// the answer) and hands it back with the number's next verified code: the account write alone
/// signs the number in, one statement instead of two, into the same account.
#[tokio::test]
async fn a_returning_numbers_login_is_one_statement_into_the_same_account() {
    // No resend cooldown: the number logs in twice in a second.
    let worker = variants::start("returning", &[("OTP_RESEND_COOLDOWN_SECONDS", "0")]);
    let c = Client::new(&worker.instance.url());
    let phone = random_phone();
    // (Its gateway calls may include a NOSCRIPT retry: the first check of a code on a fresh
    // Redis. The test above counts a new number's calls.)
    let first = counted_login(&c, &phone).await;
    assert_eq!(first.queries, 2, "a new number: statements");
    let again = counted_login(&c, &phone).await;
    assert_eq!(again.user, first.user, "the same account");
    assert_eq!(
        (again.calls, again.queries),
        (1, 1),
        "a returning number: gateway calls, statements"
    );
}

/// A deletion, the user's own or a superadmin's, and a move to another number make the OTP
/// store forget the account the freed number's logins reached: nothing links the number to that
/// id, and its next login is a new number's two statements (a remembered hint cost a third,
/// refused as 'deleted' or 'moved').
#[tokio::test]
async fn a_freed_number_is_forgotten_and_logs_in_as_a_new_number() {
    let worker = variants::start("forgotten", &[("OTP_RESEND_COOLDOWN_SECONDS", "0")]);
    let base = worker.instance.url();
    let c = Client::new(&base);
    let (own_phone, deleted_phone, admin_phone) = (random_phone(), random_phone(), random_phone());
    let (left_phone, new_phone) = (random_phone(), random_phone());

    let own = counted_login(&c, &own_phone).await;
    let (status, body) =
        as_bearer(&base, "DELETE", "/api/v1/users/me", &own.access_token, None).await;
    assert_eq!(status, 200, "{body}");

    let admin = counted_login(&c, &admin_phone).await;
    auth_ops::scope::set(&stack().database_url(), &admin_phone, "superadmin").unwrap();
    let user = counted_login(&c, &deleted_phone).await;
    let path = format!("/api/v1/users/{}", user.user);
    let (status, body) = as_bearer(&base, "DELETE", &path, &admin.access_token, None).await;
    assert_eq!(status, 200, "{body}");

    let mover = counted_login(&c, &left_phone).await;
    let (status, sent) = as_bearer(
        &base,
        "POST",
        "/api/v1/users/me/phone/send-otp",
        &mover.access_token,
        Some(json!({"phone_number": new_phone})),
    )
    .await;
    assert_eq!(status, 200, "{sent}");
    let confirm = json!({"phone_number": new_phone, "otp": receiver().latest(&new_phone),
                         "session_id": sent["session_id"]});
    let path = "/api/v1/users/me/phone";
    let (status, body) = as_bearer(&base, "POST", path, &mover.access_token, Some(confirm)).await;
    assert_eq!(status, 200, "{body}");

    for (phone, gone, how) in [
        (&own_phone, &own.user, "deleted by its user"),
        (&deleted_phone, &user.user, "deleted by a superadmin"),
        (&left_phone, &mover.user, "left by its user"),
    ] {
        let next = counted_login(&c, phone).await;
        assert_ne!(&next.user, gone, "{how}: a new account");
        assert_eq!(
            next.queries, 2,
            "{how}: the number's next login, statements"
        );
    }
}

#[tokio::test]
async fn codes_secrets_and_tokens_never_reach_the_logs() {
    let c = Client::new(&base_url());
    let phone = random_phone();
    let sent = c.send_otp(&phone, None).await;
    let code = receiver().latest(&phone);
    let session = sent.body["session_id"].as_str().unwrap();
    let wrong = c
        .login(
            &phone,
            if code == "000000" { "111111" } else { "000000" },
            session,
        )
        .await;
    assert_eq!(wrong.status, 401);
    let login = c.login(&phone, &code, session).await;
    assert_eq!(login.status, 200);
    tokio::time::sleep(Duration::from_millis(300)).await;

    let vars = e2e::worker_vars();
    let gateway_log = std::fs::read_to_string(stack().dir.join("redis-rest.log")).unwrap();
    let secrets = [
        ("the code", code.clone()),
        (
            "the access token",
            login.body["access_token"].as_str().unwrap().to_owned(),
        ),
        (
            "the refresh token",
            login.body["refresh_token"].as_str().unwrap().to_owned(),
        ),
        ("the HMAC secret", vars["OTP_HMAC_SECRET"].clone()),
        ("the gateway token", vars["REDIS_REST_TOKEN"].clone()),
        ("the webhook secret", vars["SMS_WEBHOOK_SECRET"].clone()),
        (
            "the signing key",
            vars["JWT_SIGNING_KEY"].lines().nth(1).unwrap().to_owned(),
        ),
    ];
    for (log_name, log) in [("worker", worker_log()), ("gateway", gateway_log)] {
        assert!(!log.is_empty(), "the {log_name} log is read");
        for (what, secret) in &secrets {
            assert!(
                !contains_alone(&log, secret),
                "{what} appears in the {log_name} log"
            );
        }
    }
}

/// Whether `needle` occurs in `log` not merely as a run of digits inside a longer number: a
/// six-digit code is a substring of many a millisecond timestamp (`"ts_ms":1795958190079`
/// holds 958190), which is no leak. Secrets that are not all digits are matched anywhere.
fn contains_alone(log: &str, needle: &str) -> bool {
    if !needle.bytes().all(|b| b.is_ascii_digit()) {
        return log.contains(needle);
    }
    let bytes = log.as_bytes();
    log.match_indices(needle).any(|(at, _)| {
        let before = at.checked_sub(1).map(|i| bytes[i]);
        let after = bytes.get(at + needle.len()).copied();
        !before.is_some_and(|b| b.is_ascii_digit()) && !after.is_some_and(|b| b.is_ascii_digit())
    })
}

#[test]
fn a_code_inside_a_timestamp_is_not_a_leak_but_a_code_alone_is() {
    assert!(!contains_alone(r#"{"ts_ms":1795958190079}"#, "958190"));
    assert!(contains_alone(r#"{"otp":"958190"}"#, "958190"));
    assert!(contains_alone("code 958190 sent", "958190"));
    assert!(contains_alone("token abc123def", "abc123"));
}

#[tokio::test]
async fn every_request_leaves_one_structured_log_line_with_the_user_when_known() {
    let c = Client::new(&base_url());
    let phone = random_phone();
    let sent = c.send_otp(&phone, None).await;
    let session = sent.body["session_id"].as_str().unwrap();
    let login = c.login(&phone, &receiver().latest(&phone), session).await;
    let user_id = login.body["user"]["id"].as_str().unwrap().to_owned();
    let response = reqwest::Client::new()
        .get(format!("{}/api/v1/users/profile", base_url()))
        .header("cf-ray", "e2e-ray-0123456789")
        .bearer_auth(login.body["access_token"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 200);
    tokio::time::sleep(Duration::from_millis(300)).await;

    let lines: Vec<serde_json::Value> = worker_log()
        .lines()
        .filter(|l| l.starts_with('{') && l.contains("\"msg\":\"request\""))
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect();
    let profile_line = lines
        .iter()
        .find(|l| l["request_id"] == "e2e-ray-0123456789")
        .expect("the profile request is logged with its CF-Ray as request id");
    assert_eq!(profile_line["route"], "/api/v1/users/profile");
    assert_eq!(profile_line["method"], "GET");
    assert_eq!(profile_line["status"], 200);
    assert_eq!(profile_line["user_id"], user_id.as_str());
    assert!(profile_line["ms"].as_f64().is_some());
    let login_line = lines
        .iter()
        .rev()
        .find(|l| l["route"] == "/api/v1/auth/login" && l["user_id"] == user_id.as_str())
        .expect("the login is logged with its user");
    assert_eq!(login_line["ip"], c.ip.as_str());
    let send_line = lines
        .iter()
        .rev()
        .find(|l| l["route"] == "/api/v1/auth/send-otp")
        .unwrap();
    assert!(send_line["user_id"].is_null(), "send-otp knows no user");
    assert_eq!(
        send_line["request_id"].as_str().unwrap().len(),
        16,
        "a generated id without CF-Ray"
    );
}
