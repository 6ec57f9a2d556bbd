//! `/ready` under backend faults: each backend stopped (or frozen) in turn must turn `/ready`
//! into a fast 503 that names it, and `/ready` must recover by itself when it is back, without
//! restarting the worker or the gateway.
//!
//! The tests stop shared backends, so `cargo xtask test` runs this binary with one test thread.

use e2e::{get, profile, wait_for_status};
use std::time::Duration;
use xtask::stack::{pgbouncer, postgres, redis};

/// 503 within the probe timeout (2 s) plus slack for a loaded machine.
const FAST: Duration = Duration::from_millis(3500);
/// Everything works again within 5 s of the backend's return.
const RECOVERY: Duration = Duration::from_secs(5);

async fn assert_down(name: &str, other: &str) {
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
    let p = profile();
    wait_for_status("/ready", 200, RECOVERY).await;
    pgbouncer::stop(&p);
    assert_down("postgres", "redis").await;
    pgbouncer::start(&p).unwrap();
    wait_for_status("/ready", 200, RECOVERY).await;
}

#[tokio::test]
async fn stopping_postgres_behind_the_pooler_makes_ready_name_postgres_until_it_returns() {
    let p = profile();
    if p.external_database_url.is_some() {
        eprintln!("skipped: DATABASE_URL points at a PostgreSQL this test must not stop");
        return;
    }
    wait_for_status("/ready", 200, RECOVERY).await;
    postgres::stop(&p);
    assert_down("postgres", "redis").await;
    postgres::start(&p).unwrap();
    wait_for_status("/ready", 200, RECOVERY).await;
}

#[tokio::test]
async fn stopping_redis_makes_ready_name_redis_until_it_returns() {
    let p = profile();
    if p.external_redis_url.is_some() {
        eprintln!("skipped: REDIS_URL points at a Redis this test must not stop");
        return;
    }
    wait_for_status("/ready", 200, RECOVERY).await;
    redis::stop(&p);
    assert_down("redis", "postgres").await;
    redis::start(&p).unwrap();
    wait_for_status("/ready", 200, RECOVERY).await;
}

#[tokio::test]
async fn a_frozen_redis_is_reported_by_the_timeout_instead_of_hanging() {
    let p = profile();
    if p.external_redis_url.is_some() {
        eprintln!("skipped: REDIS_URL points at a Redis this test must not freeze");
        return;
    }
    wait_for_status("/ready", 200, RECOVERY).await;
    let pid =
        xtask::stack::alive_pid(&p.dir.join("redis/redis.pid")).expect("the stack's Redis runs");
    xtask::stack::signal(pid, "STOP");
    let result = tokio::spawn(async { assert_down("redis", "postgres").await }).await;
    xtask::stack::signal(pid, "CONT");
    result.unwrap();
    wait_for_status("/ready", 200, RECOVERY).await;
}
