#![cfg(not(target_arch = "wasm32"))]
//! The Upstash REST adapter against the real gateway and a real Redis. The gateway is served
//! in-process on an ephemeral port, in front of TEST_REDIS_URL.

mod common;

use auth_adapters::upstash::{count_request, RedisError, Reply, UpstashRedis};

const TOKEN: &str = "adapter-test-token";

async fn gateway() -> String {
    common::gateway::serve(TOKEN).await
}

fn prefix() -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    format!("adapter:{nanos}:")
}

/// The profile's request counter: counts up within a window, and the key's lifetime is set by
/// the first request only (a steady stream must not keep a window open for ever).
#[tokio::test]
async fn a_request_counter_counts_and_its_window_is_never_extended() {
    let redis = UpstashRedis::new(gateway().await, TOKEN);
    let key = format!("{}requests", prefix());
    assert_eq!(count_request(&redis, &key, 60).await.unwrap(), 1);
    redis.command(&["EXPIRE", &key, "5"]).await.unwrap();
    assert_eq!(count_request(&redis, &key, 60).await.unwrap(), 2);
    let ttl = redis
        .command(&["TTL", &key])
        .await
        .unwrap()
        .as_i64()
        .unwrap();
    assert!((1..=5).contains(&ttl), "the window kept its end: ttl {ttl}");
}

#[tokio::test]
async fn commands_pipelines_transactions_and_scripts_round_trip() {
    let redis = UpstashRedis::new(gateway().await, TOKEN);
    let k = prefix();
    let counter = format!("{k}n");
    redis.ping().await.unwrap();
    assert_eq!(
        redis
            .command(&["SET", &counter, "5", "EX", "60"])
            .await
            .unwrap(),
        Reply::from("OK")
    );
    let results = redis
        .pipeline(&[
            vec!["INCR", &counter],
            vec!["HGET", &counter, "f"],
            vec!["TTL", &counter],
        ])
        .await
        .unwrap();
    assert_eq!(results[0], Ok(Reply::from(6)));
    assert!(matches!(&results[1], Err(RedisError::Command(m)) if m.starts_with("WRONGTYPE")));
    assert!(results[2].as_ref().unwrap().as_i64().unwrap() > 0);
    let tx = redis
        .multi_exec(&[vec!["INCR", &counter], vec!["GET", &counter]])
        .await
        .unwrap();
    assert_eq!(tx, vec![Ok(Reply::from(7)), Ok(Reply::from("7"))]);
    // A script the gateway runs (one of the store's): it deletes the code hash when its MAC
    // matches. Any other script is refused before Redis sees it.
    let withdraw = include_str!("../src/upstash/scripts/withdraw.lua");
    let (code, cooldown) = (format!("{k}{{t}}code"), format!("{k}{{t}}cooldown"));
    redis.command(&["HSET", &code, "mac", "m"]).await.unwrap();
    let eval = |mac: &'static str| ["EVAL", withdraw, "2", &code, &cooldown, mac].map(String::from);
    assert_eq!(redis.command(&eval("other")).await, Ok(Reply::from(0)));
    assert_eq!(redis.command(&eval("m")).await, Ok(Reply::from(1)));
    let own = redis
        .command(&["EVAL", "return redis.call('INCR', KEYS[1])", "1", &counter])
        .await;
    assert!(
        matches!(&own, Err(RedisError::Command(m)) if m.contains("script is not allowed")),
        "{own:?}"
    );
}

#[tokio::test]
async fn errors_are_sorted_into_command_protocol_and_unavailable() {
    let base = gateway().await;
    let redis = UpstashRedis::new(&base, TOKEN);
    let err = redis.command(&["GET"]).await.unwrap_err();
    assert!(
        matches!(err, RedisError::Command(ref m) if m.starts_with("ERR wrong number of arguments")),
        "{err}"
    );
    let err = redis.command(&["FLUSHALL"]).await.unwrap_err();
    assert!(
        matches!(err, RedisError::Command(ref m) if m.contains("not allowed")),
        "{err}"
    );

    let wrong_token = UpstashRedis::new(&base, "wrong");
    assert!(matches!(
        wrong_token.ping().await,
        Err(RedisError::Protocol(_))
    ));

    // Nothing listens on port 1: the gateway itself is unreachable.
    let nowhere = UpstashRedis::new("http://127.0.0.1:1", TOKEN);
    assert!(matches!(
        nowhere.ping().await,
        Err(RedisError::Unavailable(_))
    ));
}

/// The gateway runs only the scripts on its list (`redis_rest::scripts`); by default that list
/// is the store's own. A script changed without the list would be refused by every gateway.
#[test]
fn the_gateway_allows_exactly_the_stores_scripts() {
    let mut listed: Vec<String> = redis_rest::scripts::SERVICE_SCRIPTS
        .iter()
        .map(|sha| (*sha).to_owned())
        .collect();
    listed.sort();
    let named = auth_adapters::upstash::script_shas();
    let ours: Vec<String> = named.iter().map(|(sha, _)| sha.clone()).collect();
    let wanted: Vec<String> = named
        .iter()
        .map(|(sha, name)| format!("    // {name}\n    \"{sha}\","))
        .collect();
    assert_eq!(
        listed,
        ours,
        "set SERVICE_SCRIPTS in crates/redis-rest/src/scripts.rs to:\n{}",
        wanted.join("\n")
    );
}

/// The once-store that takes DPoP proofs' `jti`s, held to the contract the in-memory double
/// keeps: first claim only, racing claims included, forgotten after its time, and a gateway
/// that cannot be reached is an error, never a grant.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_once_store_keeps_the_contract_against_real_redis() {
    use auth_adapters::upstash::UpstashOnce;
    let redis = UpstashRedis::new(gateway().await, TOKEN);
    let store = UpstashOnce::new(&redis, prefix());
    let nowhere = UpstashRedis::new("http://127.0.0.1:1", TOKEN);
    let down = UpstashOnce::new(&nowhere, prefix());
    let wait = async |ms: u64| tokio::time::sleep(std::time::Duration::from_millis(ms)).await;
    auth_core::ports::contract::once_store(&store, &down, wait).await;
}
