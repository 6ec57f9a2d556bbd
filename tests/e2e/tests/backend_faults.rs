//! `/ready` under backend faults: each backend stopped (or frozen) in turn must turn `/ready`
//! into a fast 503 that names it, and `/ready` must recover by itself when it is back, without
//! restarting the worker or the gateway.
//!
//! The tests stop shared backends, so `cargo xtask test` runs this binary with one test thread.

use e2e::{get, stack, wait_for_status};
use std::time::Duration;
use xtask::stack::{pgbouncer, postgres, redis};

/// 503 within the probe timeout (2 s) plus slack for a loaded machine.
const FAST: Duration = Duration::from_millis(3500);
/// Everything works again within 5 s of the backend's return.
const RECOVERY: Duration = Duration::from_secs(5);

/// How long `/ready` may answer from the probe before (one per backend per second).
const STALE: Duration = Duration::from_millis(1_100);

/// `/ready` is 200 again, from a probe made after the change that came before.
async fn ready_again() {
    tokio::time::sleep(STALE).await;
    wait_for_status("/ready", 200, RECOVERY).await;
}

async fn assert_down(name: &str, other: &str) {
    // The probe that ran just before the fault may still be the isolate's answer for up to a
    // second; after that, the next probe sees the fault.
    tokio::time::sleep(STALE).await;
    let (status, body, took) = get("/ready").await;
    assert_eq!(status, 503, "{body}");
    assert_eq!(body["code"], "SERVICE_UNAVAILABLE");
    assert_eq!(body["checks"][name], "down", "{body}");
    assert_eq!(body["checks"][other], "ok", "{body}");
    assert!(body["error"].as_str().unwrap().contains(name), "{body}");
    assert!(took < FAST, "/ready took {took:?} with {name} down");
}

#[tokio::test]
async fn stopping_pgbouncer_makes_ready_name_postgres_until_it_returns() {
    let p = stack();
    ready_again().await;
    pgbouncer::stop(&p);
    assert_down("postgres", "redis").await;
    pgbouncer::start(&p).unwrap();
    ready_again().await;
}

#[tokio::test]
async fn stopping_postgres_behind_the_pooler_makes_ready_name_postgres_until_it_returns() {
    let p = stack();
    if p.external_database_url.is_some() {
        eprintln!("skipped: DATABASE_URL points at a PostgreSQL this test must not stop");
        return;
    }
    ready_again().await;
    postgres::stop(&p);
    assert_down("postgres", "redis").await;
    postgres::start(&p).unwrap();
    ready_again().await;
}

#[tokio::test]
async fn stopping_redis_makes_ready_name_redis_until_it_returns() {
    let p = stack();
    if p.external_redis_url.is_some() {
        eprintln!("skipped: REDIS_URL points at a Redis this test must not stop");
        return;
    }
    ready_again().await;
    redis::stop(&p);
    assert_down("redis", "postgres").await;
    redis::start(&p).unwrap();
    ready_again().await;
}

/// Under otp-auth-v1 the Go service's health bodies report the same fault, really asked:
/// `/ready` 503 `not_ready` naming `redis`, `/health` 200 `unhealthy`.
#[tokio::test]
async fn the_go_profile_health_bodies_name_a_stopped_redis() {
    let p = stack();
    if p.external_redis_url.is_some() {
        eprintln!("skipped: REDIS_URL points at a Redis this test must not stop");
        return;
    }
    let worker = e2e::variants::start("otp-auth-v1-faults", &[("API_PROFILE", "otp-auth-v1")]);
    let go = |path: &'static str| {
        let url = format!("{}{path}", worker.instance.url());
        async move {
            let response = reqwest::get(url).await.unwrap();
            let status = response.status().as_u16();
            let body: serde_json::Value = response.json().await.unwrap();
            e2e::openapi::check_in(e2e::openapi::otp_auth_v1(), "GET", path, status, &body);
            (status, body)
        }
    };
    let (status, body) = go("/ready").await;
    assert_eq!(
        (status, &body["services"]["redis"]),
        (200, &"ready".into()),
        "{body}"
    );
    redis::stop(&p);
    tokio::time::sleep(STALE).await;
    let (status, body) = go("/ready").await;
    let (health_status, health) = go("/health").await;
    redis::start(&p).unwrap();
    assert_eq!(status, 503, "{body}");
    assert_eq!(body["status"], "not_ready");
    assert_eq!(body["services"]["redis"], "not_ready", "{body}");
    assert_eq!(body["services"]["database"], "ready", "{body}");
    assert_eq!(health_status, 200, "{health}");
    assert_eq!(health["status"], "unhealthy");
    assert_eq!(health["services"]["redis"], "unhealthy", "{health}");
    ready_again().await;
}

#[tokio::test]
async fn a_frozen_redis_is_reported_by_the_timeout_instead_of_hanging() {
    let p = stack();
    if p.external_redis_url.is_some() {
        eprintln!("skipped: REDIS_URL points at a Redis this test must not freeze");
        return;
    }
    ready_again().await;
    let pid =
        xtask::stack::alive_pid(&p.dir.join("redis/redis.pid")).expect("the stack's Redis runs");
    xtask::stack::signal(pid, "STOP");
    let result = tokio::spawn(async { assert_down("redis", "postgres").await }).await;
    xtask::stack::signal(pid, "CONT");
    result.unwrap();
    ready_again().await;
}

#[tokio::test]
async fn send_otp_answers_503_fast_while_redis_is_down_and_works_when_it_returns() {
    let p = stack();
    if p.external_redis_url.is_some() {
        eprintln!("skipped: REDIS_URL points at a Redis this test must not stop");
        return;
    }
    let c = e2e::api::Client::new(&e2e::base_url());
    redis::stop(&p);
    let started = std::time::Instant::now();
    let r = c.send_otp(&e2e::api::random_phone(), None).await;
    assert_eq!(
        (r.status, r.code()),
        (503, "SERVICE_UNAVAILABLE"),
        "{:?}",
        r.body
    );
    assert!(started.elapsed() < FAST, "took {:?}", started.elapsed());
    redis::start(&p).unwrap();
    ready_again().await;
    assert_eq!(
        c.send_otp(&e2e::api::random_phone(), None).await.status,
        200
    );
}

#[tokio::test]
async fn login_answers_503_while_the_pooler_is_down_and_writes_nothing_half() {
    let p = stack();
    let c = e2e::api::Client::new(&e2e::base_url());
    let phone = e2e::api::random_phone();
    let sent = c.send_otp(&phone, None).await;
    assert_eq!(sent.status, 200);
    let session = sent.body["session_id"].as_str().unwrap().to_owned();
    let code = e2e::webhook::receiver().latest(&phone);
    pgbouncer::stop(&p);
    let r = c.login(&phone, &code, &session).await;
    pgbouncer::start(&p).unwrap();
    assert_eq!(
        (r.status, r.code()),
        (503, "SERVICE_UNAVAILABLE"),
        "{:?}",
        r.body
    );
    ready_again().await;
    // The code was used up by the attempt, and nothing of the account was written.
    let db = e2e::database(&p.database_url()).await;
    let rows: i64 = db
        .query_one(
            "SELECT count(*) FROM user_phones WHERE phone = $1",
            &[&phone],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(rows, 0, "no account may exist for a login that failed");
    let again = c.login(&phone, &code, &session).await;
    assert_eq!((again.status, again.code()), (401, "INVALID_OTP"));
}

#[tokio::test]
async fn refresh_and_profile_answer_503_while_the_pooler_is_down() {
    let p = stack();
    let c = e2e::api::Client::new(&e2e::base_url());
    let phone = e2e::api::random_phone();
    let sent = c.send_otp(&phone, None).await;
    let session = sent.body["session_id"].as_str().unwrap().to_owned();
    let login = c
        .login(&phone, &e2e::webhook::receiver().latest(&phone), &session)
        .await;
    assert_eq!(login.status, 200);
    pgbouncer::stop(&p);
    let refresh = c
        .post(
            "/api/v1/auth/refresh",
            serde_json::json!({"refresh_token": login.body["refresh_token"]}),
        )
        .await;
    let profile = reqwest::Client::new()
        .get(format!("{}/api/v1/users/profile", e2e::base_url()))
        .bearer_auth(login.body["access_token"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    let profile_status = profile.status().as_u16();
    pgbouncer::start(&p).unwrap();
    assert_eq!(
        (refresh.status, refresh.code()),
        (503, "SERVICE_UNAVAILABLE"),
        "{:?}",
        refresh.body
    );
    assert_eq!(profile_status, 503);
    ready_again().await;
    // The failed refresh changed nothing: the token still rotates.
    let again = c
        .post(
            "/api/v1/auth/refresh",
            serde_json::json!({"refresh_token": login.body["refresh_token"]}),
        )
        .await;
    assert_eq!(again.status, 200, "{:?}", again.body);
}
