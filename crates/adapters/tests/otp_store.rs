#![cfg(not(target_arch = "wasm32"))]
//! The OTP store's Lua scripts against a real Redis through the real gateway: atomicity under
//! concurrency, limits, withdraw, and the key layout (hash tags) the scripts rely on.

mod common;

use auth_adapters::upstash::{UpstashOtpStore, UpstashRedis};
use auth_core::config::settings::Settings;
use auth_core::domain::phone::PhoneNumber;
use auth_core::domain::session::SessionId;
use auth_core::ports::{
    Caller, IssueOutcome, IssueRequest, Limit, OtpStore, VerifyOutcome, VerifyRequest,
};
use std::time::Duration;

const TOKEN: &str = "otp-store-test-token";

async fn redis() -> UpstashRedis {
    UpstashRedis::new(common::gateway::serve(TOKEN).await, TOKEN)
}

fn prefix() -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    format!("otpstore:{nanos}:")
}

fn settings(vars: &[(&str, &str)]) -> Settings {
    let vars: std::collections::HashMap<String, String> = vars
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    Settings::from_lookup(|k| vars.get(k).cloned()).unwrap()
}

fn phone() -> PhoneNumber {
    PhoneNumber::parse("+14155552671", None).unwrap()
}

fn session(name: &str) -> SessionId {
    SessionId::parse(&format!("{name}-session-0123456789")).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_verifies_of_the_right_code_succeed_exactly_once() {
    let redis = redis().await;
    let store = UpstashOtpStore::new(&redis, prefix());
    let s = settings(&[]);
    let (phone, sid) = (phone(), session("race"));
    let issue = IssueRequest {
        phone: &phone,
        session: &sid,
        mac: "right",
        client_ip: "192.0.2.1",
        caller: Caller::default(),
        settings: &s,
    };
    assert_eq!(store.issue(&issue).await.unwrap(), IssueOutcome::Issued);
    let verifies = (0..40).map(|i| {
        let request = VerifyRequest {
            phone: &phone,
            session: &sid,
            mac: "right",
            client_ip: if i % 2 == 0 { "192.0.2.2" } else { "192.0.2.3" },
            caller: Caller::default(),
            settings: &s,
        };
        let store = &store;
        async move { store.verify(&request).await.unwrap() }
    });
    let outcomes = futures::future::join_all(verifies).await;
    assert_eq!(
        outcomes
            .iter()
            .filter(|o| **o == VerifyOutcome::Verified)
            .count(),
        1,
        "{outcomes:?}"
    );
    assert!(outcomes
        .iter()
        .all(|o| matches!(o.outcome, VerifyOutcome::Verified | VerifyOutcome::NotFound)));
}

/// The worker's store hands a verified login's count in the risk records to `with_later`
/// instead of sending it: the login's request makes one gateway call, and the handed commands,
/// sent afterwards in another pipeline (the worker's metrics write), count the login.
#[tokio::test]
async fn a_verified_logins_count_waits_for_later_and_counts_when_sent() {
    let redis = redis().await;
    let prefix = prefix();
    let handed = std::cell::RefCell::new(Vec::new());
    let store = UpstashOtpStore::new(&redis, prefix.clone())
        .with_later(|commands| handed.borrow_mut().extend(commands));
    let s = settings(&[]);
    let (phone, sid) = (phone(), session("later"));
    let issue = IssueRequest {
        phone: &phone,
        session: &sid,
        mac: "right",
        client_ip: "192.0.2.40",
        caller: Caller::default(),
        settings: &s,
    };
    assert_eq!(store.issue(&issue).await.unwrap(), IssueOutcome::Issued);
    let record = format!("{prefix}risk:{{cc1}}");
    let logins = || async {
        let reply = redis.command(&["HGET", &record, "l"]).await.unwrap();
        reply.as_str().map_or(0, |n| n.parse::<u64>().unwrap())
    };
    let verify = VerifyRequest {
        phone: &phone,
        session: &sid,
        mac: "wrong",
        client_ip: "192.0.2.40",
        caller: Caller::default(),
        settings: &s,
    };
    store.verify(&verify).await.unwrap();
    assert!(handed.borrow().is_empty(), "a wrong code hands nothing");
    let verify = VerifyRequest {
        mac: "right",
        ..verify
    };
    assert_eq!(
        store.verify(&verify).await.unwrap().outcome,
        VerifyOutcome::Verified
    );
    assert_eq!(
        handed.borrow().len(),
        1,
        "the calling code's record (no network known)"
    );
    assert_eq!(
        logins().await,
        0,
        "not counted before the handed commands are sent"
    );
    let commands = handed.take();
    for reply in redis.pipeline(&commands).await.unwrap() {
        reply.unwrap();
    }
    assert_eq!(logins().await, 1);
}

#[tokio::test]
async fn wrong_guesses_count_down_then_burn_and_a_new_code_starts_afresh() {
    let redis = redis().await;
    let store = UpstashOtpStore::new(&redis, prefix());
    let s = settings(&[("OTP_RESEND_COOLDOWN_SECONDS", "0")]);
    let (phone, sid) = (phone(), session("guess"));
    let issue = |mac: &'static str| IssueRequest {
        phone: &phone,
        session: &sid,
        mac,
        client_ip: "192.0.2.9",
        caller: Caller::default(),
        settings: &s,
    };
    let verify = |mac: &'static str| VerifyRequest {
        phone: &phone,
        session: &sid,
        mac,
        client_ip: "192.0.2.9",
        caller: Caller::default(),
        settings: &s,
    };
    assert_eq!(
        store.issue(&issue("one")).await.unwrap(),
        IssueOutcome::Issued
    );
    for left in (1..=4).rev() {
        assert_eq!(
            store.verify(&verify("bad")).await.unwrap(),
            VerifyOutcome::Mismatch {
                attempts_left: left
            }
        );
    }
    assert_eq!(
        store.verify(&verify("bad")).await.unwrap(),
        VerifyOutcome::Burned
    );
    assert_eq!(
        store.verify(&verify("one")).await.unwrap(),
        VerifyOutcome::NotFound
    );
    assert_eq!(
        store.issue(&issue("two")).await.unwrap(),
        IssueOutcome::Issued
    );
    assert_eq!(
        store.verify(&verify("bad")).await.unwrap(),
        VerifyOutcome::Mismatch { attempts_left: 4 }
    );
    assert_eq!(
        store.verify(&verify("two")).await.unwrap(),
        VerifyOutcome::Verified
    );
}

#[tokio::test]
async fn the_cooldown_and_the_window_refuse_sends_with_their_remaining_time() {
    let redis = redis().await;
    let store = UpstashOtpStore::new(&redis, prefix());
    let s = settings(&[]);
    let (phone, sid) = (phone(), session("limits"));
    let issue = IssueRequest {
        phone: &phone,
        session: &sid,
        mac: "m",
        client_ip: "192.0.2.10",
        caller: Caller::default(),
        settings: &s,
    };
    assert_eq!(store.issue(&issue).await.unwrap(), IssueOutcome::Issued);
    match store.issue(&issue).await.unwrap().outcome {
        IssueOutcome::Limited {
            limit: Limit::Cooldown,
            retry_after_secs,
        } => assert!((1..=60).contains(&retry_after_secs)),
        other => panic!("expected the cooldown, got {other:?}"),
    }
    // Without a cooldown, the window of three sends per ten minutes is what stops a fourth.
    let other = PhoneNumber::parse("+14155552672", None).unwrap();
    let no_cooldown = settings(&[("OTP_RESEND_COOLDOWN_SECONDS", "0")]);
    let issue = IssueRequest {
        phone: &other,
        settings: &no_cooldown,
        ..issue
    };
    assert_eq!(store.issue(&issue).await.unwrap(), IssueOutcome::Issued);
    assert_eq!(store.issue(&issue).await.unwrap(), IssueOutcome::Issued);
    assert_eq!(store.issue(&issue).await.unwrap(), IssueOutcome::Issued);
    match store.issue(&issue).await.unwrap().outcome {
        IssueOutcome::Limited {
            limit: Limit::PhoneWindow,
            retry_after_secs,
        } => assert!((1..=600).contains(&retry_after_secs)),
        other => panic!("expected the window limit, got {other:?}"),
    }
}

#[tokio::test]
async fn withdraw_removes_only_the_code_it_names_and_its_cooldown() {
    let redis = redis().await;
    let store = UpstashOtpStore::new(&redis, prefix());
    let s = settings(&[]);
    let (phone, sid) = (phone(), session("withdraw"));
    let issue = IssueRequest {
        phone: &phone,
        session: &sid,
        mac: "sent",
        client_ip: "192.0.2.11",
        caller: Caller::default(),
        settings: &s,
    };
    let verify = VerifyRequest {
        phone: &phone,
        session: &sid,
        mac: "sent",
        client_ip: "192.0.2.11",
        caller: Caller::default(),
        settings: &s,
    };
    assert_eq!(store.issue(&issue).await.unwrap(), IssueOutcome::Issued);
    let another = IssueRequest {
        mac: "another code",
        ..issue
    };
    store.withdraw(&another).await.unwrap();
    assert!(
        matches!(
            store.issue(&issue).await.unwrap().outcome,
            IssueOutcome::Limited {
                limit: Limit::Cooldown,
                ..
            }
        ),
        "withdrawing another code leaves this one and its cooldown"
    );
    store.withdraw(&issue).await.unwrap();
    assert_eq!(
        store.verify(&verify).await.unwrap(),
        VerifyOutcome::NotFound
    );
    assert_eq!(
        store.issue(&issue).await.unwrap(),
        IssueOutcome::Issued,
        "no cooldown after a withdraw"
    );
}

/// Every key of one phone shares its hash tag, so the scripts stay valid on Redis Cluster.
#[tokio::test]
async fn all_keys_of_a_phone_share_one_hash_tag() {
    let redis = redis().await;
    let prefix = prefix();
    let store = UpstashOtpStore::new(&redis, prefix.clone());
    let s = settings(&[]);
    let (phone, sid) = (phone(), session("tags"));
    let issue = IssueRequest {
        phone: &phone,
        session: &sid,
        mac: "m",
        client_ip: "192.0.2.12",
        caller: Caller::default(),
        settings: &s,
    };
    let outcome = store.issue(&issue).await.unwrap();
    assert_eq!(outcome, auth_core::ports::IssueOutcome::Issued);
    let pattern = format!("{prefix}otp:*");
    let found = if common::gateway::mode() == redis_rest::config::Mode::Cluster {
        // Every node's own keys (the gateway serves SCAN on a single Redis only). On a cluster
        // a script touching a key of another slot fails anyway; this names the keys written.
        let mut found = Vec::new();
        for port in common::cluster::ports() {
            found.extend(common::cluster::scan(port, &pattern).await);
        }
        found
    } else {
        scan_through_gateway(&redis, &pattern).await
    };
    let keys: Vec<&str> = found.iter().map(String::as_str).collect();
    assert!(keys.len() >= 4, "{keys:?}");
    for key in keys {
        assert!(
            key.contains("{+14155552671}"),
            "{key} lacks the phone's hash tag"
        );
    }
}

/// Redis forgets its scripts on a restart, and a promoted replica may never have run them: the
/// store calls scripts by SHA-1 and sends a script's source again when a node answers NOSCRIPT.
#[tokio::test]
async fn a_redis_that_forgot_the_scripts_is_sent_them_again() {
    let redis = redis().await;
    let store = UpstashOtpStore::new(&redis, prefix());
    let s = settings(&[]);
    let (phone, sid) = (phone(), session("forgot"));
    let issue = IssueRequest {
        phone: &phone,
        session: &sid,
        mac: "the-code",
        client_ip: "192.0.2.14",
        caller: Caller::default(),
        settings: &s,
    };
    common::cluster::flush_scripts().await;
    assert_eq!(store.issue(&issue).await.unwrap(), IssueOutcome::Issued);
    common::cluster::flush_scripts().await;
    let verify = VerifyRequest {
        phone: &phone,
        session: &sid,
        mac: "the-code",
        client_ip: "192.0.2.14",
        caller: Caller::default(),
        settings: &s,
    };
    assert_eq!(
        store.verify(&verify).await.unwrap(),
        VerifyOutcome::Verified
    );
}

/// SCAN, not KEYS: the gateway refuses KEYS, as Upstash-minded deployments should.
async fn scan_through_gateway(redis: &UpstashRedis, pattern: &str) -> Vec<String> {
    let (mut cursor, mut found) = ("0".to_owned(), Vec::<String>::new());
    loop {
        let page = redis
            .command(&["SCAN", &cursor, "MATCH", pattern, "COUNT", "1000"])
            .await
            .unwrap();
        cursor = page[0].as_str().unwrap().to_owned();
        found.extend(
            page[1]
                .as_array()
                .unwrap()
                .iter()
                .map(|k| k.as_str().unwrap().to_owned()),
        );
        if cursor == "0" {
            return found;
        }
    }
}

/// The OTP store's contract, the same suite the in-memory double passes
/// (`auth_core::ports::contract::otp_store`): the Lua scripts over the gateway and a real Redis.
#[tokio::test]
async fn the_upstash_store_keeps_the_contract() {
    let redis = redis().await;
    let wait = async |ms: u64| tokio::time::sleep(Duration::from_millis(ms)).await;
    auth_core::ports::contract::otp_store(|| UpstashOtpStore::new(&redis, prefix()), wait).await;
}
