//! `GET /metrics`: behind its token, and moving by exactly what a scripted sequence did.

use e2e::api::{random_phone, Client};
use e2e::webhook::receiver;
use e2e::{base_url, worker_vars};
use serde_json::json;
use std::collections::HashMap;
use std::time::Duration;

async fn scrape(token: &str) -> (u16, String) {
    let response = reqwest::Client::new()
        .get(format!("{}/metrics", base_url()))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    (response.status().as_u16(), response.text().await.unwrap())
}

/// Sample name with labels -> value.
fn samples(text: &str) -> HashMap<String, i64> {
    text.lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
        .filter_map(|l| l.rsplit_once(' '))
        .filter_map(|(name, value)| Some((name.to_owned(), value.parse().ok()?)))
        .collect()
}

/// A scrape after the counters stopped moving: writes happen just after each response.
async fn settled(token: &str) -> HashMap<String, i64> {
    let mut last = samples(&scrape(token).await.1);
    loop {
        tokio::time::sleep(Duration::from_millis(400)).await;
        let now = samples(&scrape(token).await.1);
        // Scrapes count themselves; compare everything else.
        let strip = |m: &HashMap<String, i64>| {
            m.iter()
                .filter(|(k, _)| !k.contains("/metrics"))
                .map(|(k, v)| (k.clone(), *v))
                .collect::<HashMap<_, _>>()
        };
        if strip(&now) == strip(&last) {
            return now;
        }
        last = now;
    }
}

#[tokio::test]
async fn the_counters_move_by_exactly_what_a_scripted_sequence_did() {
    let token = worker_vars()["METRICS_TOKEN"].clone();
    let (status, text) = scrape(&token).await;
    assert_eq!(status, 200);
    assert!(text.contains("# TYPE http_request_duration_ms histogram"));
    for bad in ["", "wrong"] {
        assert_eq!(scrape(bad).await.0, 401);
    }

    let before = settled(&token).await;
    let c = Client::new(&base_url());
    // User A: a wrong code, the right one, a refresh, then the used token again (reuse).
    let a = random_phone();
    let sent = c.send_otp(&a, None).await;
    let session = sent.body["session_id"].as_str().unwrap().to_owned();
    let code = receiver().latest(&a);
    let wrong = if code == "000000" { "111111" } else { "000000" };
    assert_eq!(c.login(&a, wrong, &session).await.status, 401);
    let login = c.login(&a, &code, &session).await;
    assert_eq!(login.status, 200);
    let first = login.body["refresh_token"].clone();
    assert_eq!(
        c.post("/api/v1/auth/refresh", json!({"refresh_token": first}))
            .await
            .status,
        200
    );
    assert_eq!(
        c.post("/api/v1/auth/refresh", json!({"refresh_token": first}))
            .await
            .status,
        403
    );
    // User B: logs in, logs out, then tries the dead token.
    let b = random_phone();
    let sent = c.send_otp(&b, None).await;
    let session = sent.body["session_id"].as_str().unwrap().to_owned();
    let login = c.login(&b, &receiver().latest(&b), &session).await;
    let token_b = login.body["refresh_token"].clone();
    assert_eq!(
        c.post("/api/v1/auth/logout", json!({"refresh_token": token_b}))
            .await
            .status,
        200
    );
    assert_eq!(
        c.post("/api/v1/auth/refresh", json!({"refresh_token": token_b}))
            .await
            .status,
        401
    );

    let after = settled(&token).await;
    let delta =
        |name: &str| after.get(name).copied().unwrap_or(0) - before.get(name).copied().unwrap_or(0);
    for (sample, expected) in [
        ("otp_sent_total{outcome=\"sent\"}", 2),
        ("otp_verifications_total{outcome=\"invalid\"}", 1),
        ("otp_verifications_total{outcome=\"success\"}", 2),
        ("logins_total{user=\"new\"}", 2),
        ("logins_total{user=\"returning\"}", 0),
        ("refreshes_total{outcome=\"ok\"}", 1),
        ("refreshes_total{outcome=\"reused\"}", 1),
        ("refreshes_total{outcome=\"invalid\"}", 1),
        ("logouts_total", 1),
        (
            "http_responses_total{route=\"/api/v1/auth/login\",status=\"200\"}",
            2,
        ),
        (
            "http_responses_total{route=\"/api/v1/auth/login\",status=\"401\"}",
            1,
        ),
        (
            "http_responses_total{route=\"/api/v1/auth/refresh\",status=\"403\"}",
            1,
        ),
        (
            "http_request_duration_ms_count{route=\"/api/v1/auth/login\"}",
            3,
        ),
        (
            "http_request_duration_ms_bucket{route=\"/api/v1/auth/login\",le=\"+Inf\"}",
            3,
        ),
    ] {
        assert_eq!(delta(sample), expected, "{sample}");
    }
}
