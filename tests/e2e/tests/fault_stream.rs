//! A steady stream of sends, logins, refreshes and JWKS reads while Redis, the gateway,
//! PgBouncer and PostgreSQL are each stopped for a few seconds and brought back.
//!
//! While a backend is down, a request that needs it is a 503 `SERVICE_UNAVAILABLE` within 2 s
//! (no hang, no 500) and one that does not need it still succeeds; from 5 s after its return
//! everything succeeds again, with no restart of the worker. Afterwards the data must be whole:
//! no session without a refresh token, no token without its user, no user without its phone
//! claim, and no accepted code accepted twice.
//!
//! The test stops shared backends, so `cargo xtask test` runs e2e binaries with one thread.

use e2e::api::{random_ip, random_u32};
use e2e::webhook::receiver;
use e2e::{base_url, stack, wait_for_status};
use serde_json::{json, Value};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use xtask::stack::{gateway, pgbouncer, postgres, procs, redis, signal, wait_exit, StackLayout};

const DOWN_FOR: Duration = Duration::from_secs(3);
const FAST_503: Duration = Duration::from_secs(2);
const RECOVERY: Duration = Duration::from_secs(5);
/// A request with no answer after this counts as a hang.
const NO_ANSWER: Duration = Duration::from_secs(10);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Jwks,
    SendOtp,
    Login,
    Refresh,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Backend {
    Redis,
    Gateway,
    PgBouncer,
    Postgres,
}

impl Kind {
    fn needs(self, backend: Backend) -> bool {
        match self {
            Kind::Jwks => false,
            Kind::SendOtp => matches!(backend, Backend::Redis | Backend::Gateway),
            Kind::Login => true,
            Kind::Refresh => matches!(backend, Backend::PgBouncer | Backend::Postgres),
        }
    }
}

#[derive(Debug, Clone)]
struct Event {
    kind: Kind,
    started: Instant,
    took: Duration,
    /// `None`: no answer within [`NO_ANSWER`].
    status: Option<u16>,
    code: String,
    /// Wall-clock start (ms since the epoch), to line up with the backends' logs.
    epoch_ms: u128,
}

fn epoch_ms() -> u128 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis()
}

#[derive(Default)]
struct Record {
    events: Vec<Event>,
    /// (phone, session id, code) of every login that succeeded.
    accepted: Vec<(String, String, String)>,
}

async fn call(
    http: &reqwest::Client,
    kind: Kind,
    ip: &str,
    path: &str,
    body: Option<Value>,
) -> (Event, Value) {
    let url = format!("{}{path}", base_url());
    let request = match &body {
        Some(b) => http.post(&url).json(b),
        None => http.get(&url),
    };
    let (started, wall) = (Instant::now(), epoch_ms());
    let sent = request
        .header("cf-connecting-ip", ip)
        .timeout(NO_ANSWER)
        .send()
        .await;
    let (status, json) = match sent {
        Ok(response) => {
            let status = response.status().as_u16();
            (Some(status), response.json().await.unwrap_or(Value::Null))
        }
        Err(_) => (None, Value::Null),
    };
    if let Some(status) = status {
        e2e::openapi::check(
            if body.is_some() { "POST" } else { "GET" },
            path,
            status,
            &json,
        );
    }
    let event = Event {
        kind,
        started,
        took: started.elapsed(),
        status,
        code: json["code"].as_str().unwrap_or("").to_owned(),
        epoch_ms: wall,
    };
    (event, json)
}

/// A number no other flow of this run used: random ones could repeat within the resend
/// cooldown (about 500 sends from 7 million numbers) and be refused with 429. Exchanges 900-999
/// are outside `random_phone`'s range, so no other test sends to them either.
fn next_phone(counter: &mut u32) -> String {
    loop {
        *counter += 1;
        let n = *counter;
        let phone = format!("+1415{:03}{:04}", 900 + (n / 10_000) % 100, n % 10_000);
        if auth_core::domain::phone::PhoneNumber::parse(&phone, None).is_ok() {
            return phone;
        }
    }
}

/// One flow after another until told to stop: JWKS, a refresh of the held token, a send-otp to
/// a new phone and, when it was sent, the login with its code.
async fn stream(record: Arc<Mutex<Record>>, stop: Arc<AtomicBool>) {
    let http = reqwest::Client::new();
    let mut refresh_token: Option<String> = None;
    let mut phones = random_u32() % 1_000_000;
    while !stop.load(Ordering::Relaxed) {
        let ip = random_ip();
        let (e, _) = call(&http, Kind::Jwks, &ip, "/.well-known/jwks.json", None).await;
        record.lock().unwrap().events.push(e);

        if let Some(token) = refresh_token.clone() {
            let body = json!({"refresh_token": token});
            let (e, reply) = call(
                &http,
                Kind::Refresh,
                &ip,
                "/api/v1/auth/refresh",
                Some(body),
            )
            .await;
            if e.status == Some(200) {
                refresh_token = reply["refresh_token"].as_str().map(str::to_owned);
            }
            record.lock().unwrap().events.push(e);
        }

        let phone = next_phone(&mut phones);
        let seen = receiver().count(&phone);
        let body = json!({"phone_number": phone});
        let (e, sent) = call(
            &http,
            Kind::SendOtp,
            &ip,
            "/api/v1/auth/send-otp",
            Some(body),
        )
        .await;
        let delivered = e.status == Some(200);
        record.lock().unwrap().events.push(e);
        if !delivered {
            tokio::time::sleep(Duration::from_millis(50)).await;
            continue;
        }
        let session = sent["session_id"].as_str().unwrap_or("").to_owned();
        let code = receiver().code_after(&phone, seen);
        let body = json!({"phone_number": phone, "otp": code, "session_id": session});
        let (e, reply) = call(&http, Kind::Login, &ip, "/api/v1/auth/login", Some(body)).await;
        let mut r = record.lock().unwrap();
        if e.status == Some(200) {
            refresh_token = reply["refresh_token"].as_str().map(str::to_owned);
            r.accepted.push((phone, session, code));
        }
        r.events.push(e);
    }
}

fn stop_backend(p: &StackLayout, backend: Backend) {
    match backend {
        Backend::Redis => redis::stop(p),
        Backend::Gateway => {
            let pid = procs::listener(p.gateway_port).expect("the gateway runs");
            signal(pid, "TERM");
            assert!(
                wait_exit(pid, Duration::from_secs(10)),
                "the gateway did not stop"
            );
        }
        Backend::PgBouncer => pgbouncer::stop(p),
        Backend::Postgres => postgres::stop(p),
    }
}

fn port_of(p: &StackLayout, backend: Backend) -> u16 {
    match backend {
        Backend::Redis => p.redis_port,
        Backend::Gateway => p.gateway_port,
        Backend::PgBouncer => p.pgbouncer_port,
        Backend::Postgres => p.postgres_port,
    }
}

/// Starts the backend again when dropped, unless it already runs: the later tests need it
/// back even when this one fails half-way.
struct BringBack<'a>(&'a StackLayout, Backend);

impl Drop for BringBack<'_> {
    fn drop(&mut self) {
        if !xtask::stack::net::is_listening(port_of(self.0, self.1)) {
            start_backend(self.0, self.1);
        }
    }
}

fn start_backend(p: &StackLayout, backend: Backend) {
    match backend {
        Backend::Redis => redis::start(p).map(drop),
        Backend::Gateway => {
            let token = std::env::var("TEST_GATEWAY_TOKEN").expect("TEST_GATEWAY_TOKEN is set");
            gateway::restart(p, &token)
        }
        Backend::PgBouncer => pgbouncer::start(p).map(drop),
        Backend::Postgres => postgres::start(p).map(drop),
    }
    .unwrap_or_else(|e| panic!("{backend:?} did not come back: {e}"));
}

#[derive(Debug, Clone, Copy)]
struct Outage {
    backend: Backend,
    /// When stopping it began; requests from here on may fail.
    stopping: Instant,
    /// When it was fully stopped.
    down: Instant,
    /// When starting it again began (it may serve before `up` is noticed).
    restarting: Instant,
    /// When it was serving again.
    up: Instant,
}

/// Checks the requests of one outage: those inside it, and those from its recovery until the
/// next outage begins.
fn check_outage(events: &[Event], outage: Outage, next: Option<Instant>) {
    let Outage {
        backend,
        down,
        restarting,
        up,
        ..
    } = outage;
    let during: Vec<&Event> = events
        .iter()
        .filter(|e| e.started >= down && e.started + e.took <= restarting)
        .collect();
    for e in &during {
        if e.kind.needs(backend) {
            assert!(
                e.status == Some(503) && e.code == "SERVICE_UNAVAILABLE" && e.took < FAST_503,
                "{backend:?} down: {e:?} (at {} ms) must be a 503 SERVICE_UNAVAILABLE within {FAST_503:?}",
                e.epoch_ms
            );
        } else {
            assert_eq!(
                e.status,
                Some(200),
                "{backend:?} down: {e:?} does not need it"
            );
        }
    }
    // What the stream reaches while this backend is down (a login needs a code, which needs
    // Redis and the gateway).
    let reached: &[Kind] = match backend {
        Backend::Redis | Backend::Gateway => &[Kind::SendOtp],
        Backend::PgBouncer | Backend::Postgres => &[Kind::Refresh, Kind::Login],
    };
    for kind in reached {
        assert!(
            during.iter().any(|e| e.kind == *kind),
            "no {kind:?} request ran while {backend:?} was down"
        );
    }
    let recovered = up + RECOVERY;
    let after: Vec<&Event> = events
        .iter()
        .filter(|e| e.started >= recovered && next.is_none_or(|n| e.started + e.took < n))
        .collect();
    assert!(
        !after.is_empty(),
        "no request ran after {backend:?} recovered"
    );
    for e in after {
        assert_eq!(
            e.status,
            Some(200),
            "{e:?} failed more than {RECOVERY:?} after {backend:?} came back"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stream_of_requests_survives_each_backend_stopping_and_returning() {
    let p = stack();
    wait_for_status("/ready", 200, RECOVERY).await;
    let mut backends = vec![Backend::Gateway, Backend::PgBouncer];
    if p.external_redis_url.is_none() {
        backends.insert(0, Backend::Redis);
    }
    if p.external_database_url.is_none() {
        backends.push(Backend::Postgres);
    }
    let record = Arc::new(Mutex::new(Record::default()));
    let stop = Arc::new(AtomicBool::new(false));
    let flow = tokio::spawn(stream(record.clone(), stop.clone()));

    let mut outages: Vec<Outage> = Vec::new();
    for backend in backends {
        tokio::time::sleep(Duration::from_secs(2)).await;
        let p2 = p.clone();
        let outage = tokio::task::spawn_blocking(move || {
            let back = BringBack(&p2, backend);
            let stopping = Instant::now();
            stop_backend(&p2, backend);
            let down = Instant::now();
            std::thread::sleep(DOWN_FOR);
            let restarting = Instant::now();
            drop(back);
            Outage {
                backend,
                stopping,
                down,
                restarting,
                up: Instant::now(),
            }
        })
        .await
        .unwrap();
        outages.push(outage);
        // Recovery, then a few seconds of requests that must all succeed.
        tokio::time::sleep(RECOVERY + Duration::from_secs(3)).await;
    }
    stop.store(true, Ordering::Relaxed);
    let flow = flow.await;
    // Whatever happened, the next tests get a healthy stack.
    wait_for_status("/ready", 200, RECOVERY).await;
    flow.unwrap();

    let record = std::mem::take(&mut *record.lock().unwrap());
    for e in &record.events {
        assert!(
            matches!(e.status, Some(200) | Some(503)),
            "only 200 or 503 may answer during faults: {e:?}"
        );
    }
    for (i, outage) in outages.iter().enumerate() {
        check_outage(
            &record.events,
            *outage,
            outages.get(i + 1).map(|o| o.stopping),
        );
    }
    eprintln!(
        "{} requests, {} logins accepted, {} answered 503",
        record.events.len(),
        record.accepted.len(),
        record
            .events
            .iter()
            .filter(|e| e.status == Some(503))
            .count()
    );

    // The data afterwards.
    let (db, connection) = tokio_postgres::connect(&p.database_url(), tokio_postgres::NoTls)
        .await
        .unwrap();
    tokio::spawn(connection);
    for (what, sql) in [
        (
            "sessions without a refresh token",
            "SELECT count(*) FROM sessions s WHERE NOT EXISTS (SELECT 1 FROM refresh_tokens t
             WHERE t.user_id = s.user_id AND t.session_id = s.id)",
        ),
        (
            "refresh tokens without their user",
            "SELECT count(*) FROM refresh_tokens t WHERE NOT EXISTS
             (SELECT 1 FROM users u WHERE u.id = t.user_id)",
        ),
        (
            "users without their phone claim",
            "SELECT count(*) FROM users u WHERE NOT EXISTS
             (SELECT 1 FROM user_phones p WHERE p.user_id = u.id AND p.phone = u.phone)",
        ),
    ] {
        let n: i64 = db.query_one(sql, &[]).await.unwrap().get(0);
        assert_eq!(n, 0, "{what}");
    }
    let http = reqwest::Client::new();
    for (phone, session, code) in record.accepted.iter() {
        let body = json!({"phone_number": phone, "otp": code, "session_id": session});
        let (e, _) = call(
            &http,
            Kind::Login,
            &random_ip(),
            "/api/v1/auth/login",
            Some(body),
        )
        .await;
        assert_ne!(e.status, Some(200), "a code was accepted twice: {phone}");
    }
}
