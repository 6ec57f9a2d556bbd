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
    let script = "return {KEYS[1], ARGV[1], redis.call('INCR', KEYS[1])}";
    let reply = redis.eval(script, &[&counter], &["arg"]).await.unwrap();
    assert_eq!(reply, serde_json::json!([counter, "arg", 8]));
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
