//! `/health`, `/live`, `/ready` and the error contract for unknown routes, through wrangler dev.

use e2e::{get, wait_for_status};
use std::time::Duration;

#[tokio::test]
async fn health_and_live_answer_ok_without_touching_a_backend() {
    for path in ["/health", "/live"] {
        let (status, body, _) = get(path).await;
        assert_eq!(status, 200, "{path}");
        assert_eq!(body, serde_json::json!({"status": "ok"}));
    }
}

#[tokio::test]
async fn ready_is_200_and_lists_both_backends_when_they_answer() {
    let body = wait_for_status("/ready", 200, Duration::from_secs(10)).await;
    assert_eq!(
        body,
        serde_json::json!({"status": "ready", "checks": {"postgres": "ok", "redis": "ok"}})
    );
}

#[tokio::test]
async fn unknown_routes_and_methods_get_the_contract_error_body() {
    let (status, body, _) = get("/no/such/route").await;
    assert_eq!(status, 404);
    assert_eq!(body["code"], "NOT_FOUND");
    assert!(body["error"].is_string());
    let response = reqwest::Client::new()
        .post(format!("{}/ready", e2e::base_url()))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 405);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["code"], "METHOD_NOT_ALLOWED");
}

#[tokio::test]
async fn a_burst_of_ready_checks_closes_every_connection_and_keeps_wrangler_alive() {
    // Each /ready opens a Postgres connection through the Hyperdrive binding. A connection left
    // open at the end of a request can take the local runtime down; 200 of them in bursts of
    // 10 must all succeed, and the worker must still answer afterwards. Probes are shared:
    // at most one per backend per second reaches the backends, whatever the callers do.
    let (pings_before, started) = (e2e::costs::gateway_pings(), std::time::Instant::now());
    for _ in 0..20 {
        let burst: Vec<_> = (0..10).map(|_| tokio::spawn(get("/ready"))).collect();
        for request in burst {
            let (status, body, _) = request.await.unwrap();
            assert_eq!(status, 200, "{body}");
        }
    }
    let seconds = started.elapsed().as_secs_f64().ceil() as usize;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let pings = e2e::costs::gateway_pings() - pings_before;
    assert!(
        pings <= seconds + 1,
        "{pings} Redis probes for 200 /ready calls in {seconds} s: at most one per second"
    );
    assert_eq!(get("/health").await.0, 200);
}

#[tokio::test]
async fn a_production_deployment_with_development_settings_refuses_to_serve() {
    // The test stack's settings are development ones: a dev- key id, plain http to the gateway,
    // no TLS to the pooler. Marked production, the worker must refuse rather than serve.
    let worker = e2e::variants::start(
        "production",
        &[("ENVIRONMENT", "production"), ("SMS_PROVIDER", "console")],
    );
    let c = e2e::api::Client::new(&worker.instance.url());
    let r = c.send_otp(&e2e::api::random_phone(), None).await;
    assert_eq!((r.status, r.code()), (503, "SERVICE_UNAVAILABLE"));
    assert_eq!(
        r.body["error"], "service misconfigured",
        "the reason is for the log, not the client"
    );
    tokio::time::sleep(Duration::from_millis(300)).await;
    let log = std::fs::read_to_string(worker.instance.log_path()).unwrap();
    for reason in [
        "development key",
        "REDIS_REST_URL must use https",
        "POSTGRES_TLS=off",
    ] {
        assert!(log.contains(reason), "the log names {reason:?}");
    }
}

#[tokio::test]
async fn the_served_openapi_document_is_the_one_in_the_repository() {
    let served = reqwest::get(format!("{}/openapi.yaml", e2e::base_url()))
        .await
        .unwrap();
    assert_eq!(served.status().as_u16(), 200);
    assert!(served.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("application/yaml"));
    let text = served.text().await.unwrap();
    assert_eq!(text, include_str!("../../../openapi/openapi.yaml"));
}
