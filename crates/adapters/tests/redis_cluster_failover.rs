#![cfg(not(target_arch = "wasm32"))]
//! A Redis Cluster master killed (SIGKILL) under a stream of sends through the gateway in
//! cluster mode, while its replica is promoted. The cluster tier (`cargo xtask test cluster`)
//! starts the cluster and names its nodes; elsewhere the test is ignored.
//!
//! What it holds the store and the gateway to (docs/redis-cluster.md):
//! - the stream recovers with no restart of anything: once the replica serves, sends succeed;
//! - a send the failover stops is answered "unavailable" (503), never as a failure (500);
//! - every send answered "issued" verifies afterwards, except those the dying master had
//!   acknowledged within the replication lag before it died (replication is asynchronous);
//! - a send answered with an error left no code behind that verifies, unless it was already in
//!   flight when the master died (its phone step ran; its answer was lost with the master).

mod common;

use auth_adapters::upstash::{UpstashOtpStore, UpstashRedis};
use auth_core::config::settings::Settings;
use auth_core::domain::phone::PhoneNumber;
use auth_core::domain::session::SessionId;
use auth_core::ports::{
    BackendError, Caller, IssueOutcome, IssueRequest, OtpStore, VerifyOutcome, VerifyRequest,
};
use common::cluster;
use std::time::{Duration, Instant};

const TOKEN: &str = "cluster-failover-test-token";

/// How long before the kill an acknowledged write may still be lost: the replica's lag behind
/// its master. On loopback it is well under a millisecond; this leaves room for a loaded machine.
const REPLICATION_LAG_BOUND: Duration = Duration::from_millis(500);

/// Sends, then the kill, then sends until this many in a row succeed after the promotion.
const BEFORE_KILL: Duration = Duration::from_secs(1);
const RECOVERED_STREAK: usize = 50;
const RECOVERY_LIMIT: Duration = Duration::from_secs(20);

struct Attempt {
    n: u32,
    started: Instant,
    answered: Instant,
    outcome: Result<IssueOutcome, BackendError>,
}

fn settings() -> Settings {
    // Only the phone's own limits and the cluster's faults may refuse: every shared budget and
    // the risk counters are set out of reach of the stream.
    let vars: std::collections::HashMap<&str, &str> = [
        ("IP_SENDS_PER_WINDOW", "1000000"),
        ("IP_LOGINS_PER_WINDOW", "1000000"),
        ("COUNTRY_SENDS_PER_WINDOW", "100000000"),
        ("GLOBAL_SENDS_PER_WINDOW", "100000000"),
        ("RISK_BREAKER_MIN_SENDS", "1000000"),
    ]
    .into_iter()
    .collect();
    Settings::from_lookup(|k| vars.get(k).map(|v| v.to_string())).expect("valid settings")
}

fn phone(n: u32) -> PhoneNumber {
    PhoneNumber::parse(&format!("+1415555{:04}", n % 10_000), None).expect("a valid number")
}

fn session(n: u32) -> SessionId {
    SessionId::parse(&format!("failover-{n:06}-session-0123456789")).expect("a session id")
}

/// The first master among the nodes, its process id and its replica's port.
async fn victim() -> (u16, u32, u16) {
    for port in cluster::ports() {
        if cluster::info_field(port, "replication", "role")
            .await
            .as_deref()
            != Some("master")
        {
            continue;
        }
        let pid = cluster::info_field(port, "server", "process_id").await;
        let replica = cluster::info_field(port, "replication", "slave0").await;
        let replica_port = replica.as_deref().and_then(|r| {
            r.split(',')
                .find_map(|kv| kv.strip_prefix("port="))
                .and_then(|p| p.parse().ok())
        });
        if let (Some(pid), Some(replica_port)) = (pid.and_then(|p| p.parse().ok()), replica_port) {
            return (port, pid, replica_port);
        }
    }
    panic!("no master with a replica among {:?}", cluster::ports());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
#[ignore = "needs the cluster tier's Redis Cluster (cargo xtask test cluster)"]
async fn a_master_killed_under_sends_loses_only_what_replication_had_not_carried() {
    let redis = UpstashRedis::new(common::gateway::serve(TOKEN).await, TOKEN);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    let store = UpstashOtpStore::new(&redis, format!("failover:{nanos}:"));
    let s = settings();
    let (master, pid, replica) = victim().await;
    // Before the clock starts: libphonenumber's first parse builds its metadata (a second in a
    // debug build), and the gateway meets the cluster on its first request.
    let warm_up = IssueRequest {
        phone: &phone(9_999),
        session: &session(9_999),
        mac: "warm-up",
        client_ip: "198.51.100.7",
        caller: Caller::default(),
        settings: &s,
    };
    assert_eq!(
        store.issue(&warm_up).await.unwrap().outcome,
        IssueOutcome::Issued
    );

    let started = Instant::now();
    let mut attempts: Vec<Attempt> = Vec::new();
    let mut killed_at: Option<Instant> = None;
    let mut streak = 0;
    let mut n = 0u32;
    while streak < RECOVERED_STREAK {
        if killed_at.is_none() && started.elapsed() >= BEFORE_KILL {
            let killed = std::process::Command::new("kill")
                .args(["-KILL", &pid.to_string()])
                .status()
                .expect("kill runs");
            assert!(
                killed.success(),
                "the master {master} (pid {pid}) was killed"
            );
            killed_at = Some(Instant::now());
        }
        if let Some(at) = killed_at {
            assert!(
                at.elapsed() < RECOVERY_LIMIT,
                "no recovery {RECOVERY_LIMIT:?} after the kill"
            );
        }
        let (phone, sid, mac) = (phone(n), session(n), format!("mac-{n}"));
        let request = IssueRequest {
            phone: &phone,
            session: &sid,
            mac: &mac,
            client_ip: "198.51.100.7",
            caller: Caller::default(),
            settings: &s,
        };
        let sent = Instant::now();
        let outcome = store.issue(&request).await.map(|c| c.outcome);
        let ok = matches!(outcome, Ok(IssueOutcome::Issued));
        match &outcome {
            Ok(other) => assert!(ok, "send {n}: only faults may refuse here, not {other:?}"),
            // A 503 the client may retry; never a 500 (a redirection passed on as an error).
            Err(err) => assert!(
                matches!(err, BackendError::Unavailable(_)),
                "send {n}: {err}"
            ),
        }
        streak = if ok && killed_at.is_some() {
            streak + 1
        } else {
            0
        };
        attempts.push(Attempt {
            n,
            started: sent,
            answered: Instant::now(),
            outcome,
        });
        n += 1;
    }
    let killed_at = killed_at.expect("the master was killed");
    assert_eq!(
        cluster::info_field(replica, "replication", "role")
            .await
            .as_deref(),
        Some("master"),
        "the replica on port {replica} was promoted"
    );

    let (mut lost, mut half_written, mut failed) = (Vec::new(), Vec::new(), 0);
    for attempt in &attempts {
        let (phone, sid, mac) = (
            phone(attempt.n),
            session(attempt.n),
            format!("mac-{}", attempt.n),
        );
        let check = VerifyRequest {
            phone: &phone,
            session: &sid,
            mac: &mac,
            client_ip: "198.51.100.8",
            caller: Caller::default(),
            settings: &s,
        };
        let verified = store
            .verify(&check)
            .await
            .expect("the cluster answers again")
            .outcome
            == VerifyOutcome::Verified;
        match (&attempt.outcome, verified) {
            (Ok(_), false) => lost.push(attempt),
            (Err(_), true) => half_written.push(attempt),
            (Err(_), false) => failed += 1,
            (Ok(_), true) => {}
        }
    }
    let recovered = attempts
        .iter()
        .rev()
        .nth(RECOVERED_STREAK)
        .map_or(Duration::ZERO, |a| a.answered.duration_since(killed_at));
    println!(
        "failover: {} sends ({} before the kill), {failed} answered with an error, {} lost, {} \
         half-written; sends succeed again {recovered:?} after the kill",
        attempts.len(),
        attempts.iter().filter(|a| a.started < killed_at).count(),
        lost.len(),
        half_written.len(),
    );
    for attempt in &lost {
        assert!(
            attempt.answered + REPLICATION_LAG_BOUND >= killed_at && attempt.answered <= killed_at,
            "send {} was acknowledged {:?} before the kill and is lost",
            attempt.n,
            killed_at.saturating_duration_since(attempt.answered)
        );
    }
    for attempt in &half_written {
        assert!(
            attempt.started < killed_at,
            "send {} started after the kill, answered an error, and left a code behind",
            attempt.n
        );
    }
}
