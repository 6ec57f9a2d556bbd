//! The Upstash adapter compiled to wasm32, run under Node by wasm-bindgen-test: the same code the
//! worker runs, making real HTTP calls through `fetch` to the test stack's gateway.
//! Needs TEST_GATEWAY_URL and TEST_GATEWAY_TOKEN (set by `cargo xtask test`).
#![cfg(target_arch = "wasm32")]

use auth_adapters::upstash::{RedisError, Reply, UpstashRedis};
use wasm_bindgen::JsValue;
use wasm_bindgen_test::wasm_bindgen_test;

/// Reads `process.env[name]` from Node without any JS snippet.
fn env(name: &str) -> String {
    let get =
        |target: &JsValue, key: &str| js_sys::Reflect::get(target, &JsValue::from_str(key)).ok();
    get(&js_sys::global(), "process")
        .and_then(|process| get(&process, "env"))
        .and_then(|vars| get(&vars, name))
        .and_then(|value| value.as_string())
        .unwrap_or_else(|| panic!("{name} must be set (run through `cargo xtask test`)"))
}

fn client() -> UpstashRedis {
    UpstashRedis::new(env("TEST_GATEWAY_URL"), env("TEST_GATEWAY_TOKEN"))
}

#[wasm_bindgen_test]
async fn commands_and_scripts_work_from_wasm_through_fetch() {
    let redis = client();
    redis.ping().await.unwrap();
    let key = format!("wasm:{}", js_sys::Date::now());
    assert_eq!(
        redis
            .command(&["SET", &key, "1", "EX", "60"])
            .await
            .unwrap(),
        Reply::from("OK")
    );
    let results = redis
        .pipeline(&[vec!["INCR", key.as_str()], vec!["GET", key.as_str()]])
        .await
        .unwrap();
    assert_eq!(results, vec![Ok(Reply::from(2)), Ok(Reply::from("2"))]);
    // One of the store's scripts, the only kind the gateway runs.
    let withdraw = include_str!("../src/upstash/scripts/withdraw.lua");
    let code = format!("{{{key}}}code");
    let cooldown = format!("{{{key}}}cooldown");
    redis.command(&["HSET", &code, "mac", "m"]).await.unwrap();
    let reply = redis
        .command(&["EVAL", withdraw, "2", &code, &cooldown, "m"])
        .await
        .unwrap();
    assert_eq!(reply, Reply::from(1));
}

#[wasm_bindgen_test]
async fn a_wrong_token_and_a_dead_endpoint_are_told_apart_from_wasm() {
    let wrong = UpstashRedis::new(env("TEST_GATEWAY_URL"), "wrong-token");
    assert!(matches!(wrong.ping().await, Err(RedisError::Protocol(_))));
    let nowhere = UpstashRedis::new("http://127.0.0.1:1", "t");
    assert_eq!(
        nowhere.ping().await,
        Err(RedisError::Unavailable("connection failed".into()))
    );
}

/// The deadline is the runtime's `AbortSignal.timeout`: a call that outlives it is unavailable,
/// in the words the native client uses.
#[wasm_bindgen_test]
async fn a_call_past_its_deadline_is_unavailable_and_says_so() {
    // A 16 MB value of zero bytes: the gateway spends far longer than 50 ms writing it as
    // JSON (six bytes a zero), so the answer cannot arrive in time.
    let key = format!("wasm:big:{}", js_sys::Date::now());
    let patient = client();
    patient
        .command(&["SETRANGE", &key, "16000000", "x"])
        .await
        .unwrap();
    let impatient = client().with_timeout(std::time::Duration::from_millis(50));
    assert_eq!(
        impatient.command(&["GET", &key]).await,
        Err(RedisError::Unavailable("timed out".into()))
    );
    // The next call on a patient client still works.
    assert_eq!(patient.command(&["DEL", &key]).await, Ok(Reply::from(1)));
}
