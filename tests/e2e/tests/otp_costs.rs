//! What each request costs in round trips, counted outside the worker: requests in the
//! gateway's access log, and queries in PgBouncer's statistics. And what must never be logged.

use e2e::api::{random_phone, Client};
use e2e::costs::{pooled_queries, pooled_queries_since, settled_gateway_requests};
use e2e::webhook::receiver;
use e2e::{base_url, profile, worker_log};
use std::time::Duration;

#[tokio::test]
async fn send_otp_costs_one_gateway_call_and_one_sms_and_login_one_gateway_call_and_one_statement()
{
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
    let before = settled_gateway_requests().await;
    let queries_before = pooled_queries().await;
    let login = c.login(&phone, &code, session).await;
    assert_eq!(login.status, 200, "{:?}", login.body);
    assert_eq!(
        settled_gateway_requests().await - before,
        1,
        "login: gateway calls"
    );
    let queries = pooled_queries_since(queries_before).await;
    assert_eq!(queries, 1, "login: Postgres statements");
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
    let gateway_log = std::fs::read_to_string(profile().dir.join("redis-rest.log")).unwrap();
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
                !log.contains(secret.as_str()),
                "{what} appears in the {log_name} log"
            );
        }
    }
}
