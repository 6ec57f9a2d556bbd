//! The compose stack can serve a login (hardening, point 15). No Docker engine runs here, so
//! the worker is started with exactly what `docker-compose.yml` gives its container: that
//! service's environment, read from the file, with the other services' host names pointed at
//! this stack's PgBouncer and gateway, turned into settings by the image's own command
//! (`xtask::compose_worker::worker_vars`).

use e2e::api::{random_phone, Client};
use e2e::{stack, worker_vars};
use serde_json::json;
use std::collections::BTreeMap;
use xtask::stack::worker::{Instance, RunningWorker};

/// The worker service's environment as compose would give it, on this machine's stack.
fn compose_environment() -> BTreeMap<String, String> {
    let text = std::fs::read_to_string(xtask::root().join("docker-compose.yml")).unwrap();
    let compose: serde_yaml::Value = serde_yaml::from_str(&text).unwrap();
    let p = stack();
    let token = worker_vars()["REDIS_REST_TOKEN"].clone();
    compose["services"]["worker"]["environment"]
        .as_mapping()
        .expect("the worker service has an environment")
        .iter()
        .map(|(k, v)| {
            let value = v.as_str().unwrap_or_default();
            // `${REDIS_REST_TOKEN:?...}`: compose fills it from the shell that runs it.
            let value = if value.starts_with("${REDIS_REST_TOKEN") {
                token.clone()
            } else {
                value
                    .replace("redis-rest:8079", &format!("127.0.0.1:{}", p.gateway_port))
                    .replace("pgbouncer:5432", &format!("127.0.0.1:{}", p.pgbouncer_port))
            };
            (k.as_str().unwrap().to_owned(), value)
        })
        .collect()
}

/// The code the console SMS provider printed for `phone`.
fn code_in_log(log: &std::path::Path, phone: &str) -> String {
    for _ in 0..50 {
        let text = std::fs::read_to_string(log).unwrap_or_default();
        let needle = format!("[console sms] to {phone}: Your code is ");
        if let Some(at) = text.rfind(&needle) {
            return text[at + needle.len()..].chars().take(6).collect();
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    panic!("no code for {phone} in {}", log.display());
}

#[tokio::test]
async fn the_compose_worker_serves_send_otp_login_and_refresh() {
    let env = compose_environment();
    let vars = xtask::compose_worker::worker_vars(|k| env.get(k).cloned()).unwrap();
    let free = || {
        std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port()
    };
    let instance = Instance {
        name: "compose".into(),
        port: free(),
        inspector_port: free(),
        dir: stack().dir.join("worker-compose"),
        vars,
        hyperdrive_url: env["CLOUDFLARE_HYPERDRIVE_LOCAL_CONNECTION_STRING_HYPERDRIVE"].clone(),
        config: None,
        inherit_output: false,
    };
    let log = instance.log_path();
    let worker = RunningWorker::start(instance).expect("the compose worker starts");
    let c = Client::new(&worker.instance.url());
    let phone = random_phone();
    let sent = c.send_otp(&phone, None).await;
    assert_eq!(sent.status, 200, "send-otp: {:?}", sent.body);
    let session = sent.body["session_id"].as_str().unwrap().to_owned();
    let login = c.login(&phone, &code_in_log(&log, &phone), &session).await;
    assert_eq!(login.status, 200, "login: {:?}", login.body);
    let refresh = c
        .post(
            "/api/v1/auth/refresh",
            json!({"refresh_token": login.body["refresh_token"]}),
        )
        .await;
    assert_eq!(refresh.status, 200, "refresh: {:?}", refresh.body);
}
