//! The gateway over real HTTP against a real Redis (TEST_REDIS_URL, default 127.0.0.1:6379).
//! Each test serves its own gateway on an ephemeral port and uses its own key prefix.

use redis_rest::config::{Config, Mode};
use serde_json::{json, Value};
use std::process::{Child, Command};
use std::time::{Duration, Instant};

const TOKEN: &str = "test-token";

fn redis_url() -> String {
    std::env::var("TEST_REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".into())
}

fn config(redis_url: String, max_body_bytes: usize) -> Config {
    let mut config = Config::local(redis_url, Mode::Single, TOKEN);
    config.request_timeout = Duration::from_millis(1500);
    config.connect_timeout = Duration::from_millis(500);
    config.max_body_bytes = max_body_bytes;
    config
}

/// Serves a gateway on an ephemeral port for the rest of the test.
async fn serve(config: Config) -> String {
    format!(
        "http://{}",
        redis_rest::server::spawn(&config).await.unwrap()
    )
}

fn prefix() -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    format!("gwtest:{nanos}:")
}

async fn post(base: &str, path: &str, body: impl Into<reqwest::Body>) -> (u16, Value) {
    let response = reqwest::Client::new()
        .post(format!("{base}{path}"))
        .bearer_auth(TOKEN)
        .body(body)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap())
}

#[tokio::test]
async fn single_commands_pipelines_and_transactions_answer_in_the_upstash_shape() {
    let base = serve(config(redis_url(), 1 << 20)).await;
    let k = prefix();
    let (status, body) = post(&base, "/", json!(["SET", format!("{k}a"), 10]).to_string()).await;
    assert_eq!((status, body), (200, json!({"result": "OK"})));
    let (status, body) = post(
        &base,
        "/pipeline",
        json!([
            ["INCR", format!("{k}a")],
            ["HSET", format!("{k}a"), "f", "v"],
            ["GET", format!("{k}a")]
        ])
        .to_string(),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(body[0], json!({"result": 11}));
    assert!(body[1]["error"].as_str().unwrap().starts_with("WRONGTYPE"));
    assert_eq!(body[2], json!({"result": "11"}));
    let (status, body) = post(
        &base,
        "/multi-exec",
        json!([["INCR", format!("{k}a")], ["GET", format!("{k}a")]]).to_string(),
    )
    .await;
    assert_eq!(
        (status, body),
        (200, json!([{"result": 12}, {"result": "12"}]))
    );
}

#[tokio::test]
async fn a_transaction_with_a_bad_command_is_discarded_whole() {
    let base = serve(config(redis_url(), 1 << 20)).await;
    let k = prefix();
    let (status, body) = post(
        &base,
        "/multi-exec",
        // An allowed command with the wrong arity: Redis itself refuses to queue it.
        json!([["SET", format!("{k}t"), "1"], ["GET"]]).to_string(),
    )
    .await;
    assert_eq!(status, 400);
    assert!(
        body["error"].as_str().unwrap().starts_with("EXECABORT"),
        "{body}"
    );
    let (_, body) = post(&base, "/", json!(["GET", format!("{k}t")]).to_string()).await;
    assert_eq!(
        body,
        json!({"result": null}),
        "nothing of the discarded transaction may be applied"
    );
}

#[tokio::test]
async fn multi_exec_is_atomic_under_concurrency() {
    // 50 concurrent transactions each INCR a counter twice and read it; atomicity means every
    // read sees an even value (no other transaction's INCR lands between the two).
    let base = serve(config(redis_url(), 1 << 20)).await;
    let key = format!("{}atomic", prefix());
    let mut tasks = Vec::new();
    for _ in 0..50 {
        let (base, key) = (base.clone(), key.clone());
        tasks.push(tokio::spawn(async move {
            post(
                &base,
                "/multi-exec",
                json!([["INCR", key], ["INCR", key], ["GET", key]]).to_string(),
            )
            .await
        }));
    }
    for task in tasks {
        let (status, body) = task.await.unwrap();
        assert_eq!(status, 200);
        let value: i64 = body[2]["result"].as_str().unwrap().parse().unwrap();
        assert_eq!(
            value % 2,
            0,
            "a transaction saw another's partial work: {body}"
        );
    }
}

#[tokio::test]
async fn the_path_form_and_base64_encoding_work() {
    let base = serve(config(redis_url(), 1 << 20)).await;
    let k = prefix();
    let client = reqwest::Client::new();
    let set: Value = client
        .get(format!("{base}/set/{k}p/hello%20world?EX=60"))
        .bearer_auth(TOKEN)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(set, json!({"result": "OK"}));
    let posted: Value = client
        .post(format!("{base}/set/{k}q"))
        .bearer_auth(TOKEN)
        .body("from the body")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(posted, json!({"result": "OK"}));
    let got: Value = client
        .get(format!("{base}/get/{k}q"))
        .header("Upstash-Encoding", "base64")
        .query(&[("_token", TOKEN)])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(got, json!({"result": "ZnJvbSB0aGUgYm9keQ=="}));
    let ttl: Value = client
        .get(format!("{base}/ttl/{k}p"))
        .bearer_auth(TOKEN)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!((1..=60).contains(&ttl["result"].as_i64().unwrap()));
}

#[tokio::test]
async fn bad_requests_get_clear_errors_and_the_gateway_keeps_serving() {
    let base = serve(config(redis_url(), 1024)).await;
    let cases: Vec<(&str, Vec<u8>, u16, &str)> = vec![
        (
            "/",
            b"{not json".to_vec(),
            400,
            "ERR failed to parse command",
        ),
        (
            "/",
            br#"{"cmd":"GET"}"#.to_vec(),
            400,
            "ERR command must be a JSON array",
        ),
        ("/", b"[]".to_vec(), 400, "ERR empty command"),
        (
            "/",
            br#"["NOSUCHCOMMAND","x"]"#.to_vec(),
            400,
            "ERR command is not allowed",
        ),
        (
            "/",
            br#"["SUBSCRIBE","x"]"#.to_vec(),
            400,
            "ERR command is not allowed",
        ),
        (
            "/pipeline",
            br#"["GET","x"]"#.to_vec(),
            400,
            "ERR command must be a JSON array",
        ),
        (
            "/",
            vec![b'"'; 4096],
            413,
            "ERR request body is larger than 1024 bytes",
        ),
    ];
    for (path, body, status, message) in cases {
        let (got_status, got) = post(&base, path, body).await;
        assert_eq!(got_status, status, "{got}");
        assert!(
            got["error"].as_str().unwrap().starts_with(message),
            "{got} should start with {message}"
        );
    }
    let (status, _) = post(&base, "/", br#"["PING"]"#.to_vec()).await;
    assert_eq!(status, 200, "the gateway must still serve after bad input");
}

#[tokio::test]
async fn requests_without_the_right_token_are_refused() {
    let base = serve(config(redis_url(), 1 << 20)).await;
    let client = reqwest::Client::new();
    for request in [
        client.post(&base).body(r#"["PING"]"#),
        client.post(&base).bearer_auth("wrong").body(r#"["PING"]"#),
        client.get(format!("{base}/ping?_token=wrong")),
    ] {
        let response = request.send().await.unwrap();
        assert_eq!(response.status().as_u16(), 401);
        assert_eq!(
            response.json::<Value>().await.unwrap(),
            json!({"error": "Unauthorized"})
        );
    }
}

/// A Redis of this test's own, so it can be killed and restarted.
struct OwnRedis {
    child: Child,
}

impl OwnRedis {
    fn start(port: u16) -> Self {
        Self::start_with(port, &[])
    }

    fn start_with(port: u16, extra: &[&str]) -> Self {
        let child = Command::new("redis-server")
            .args([
                "--port",
                &port.to_string(),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ])
            .args(extra)
            .stdout(std::process::Stdio::null())
            .spawn()
            .expect("redis-server must be installed");
        let started = Instant::now();
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                started.elapsed() < Duration::from_secs(10),
                "redis-server did not start"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        Self { child }
    }
}

impl Drop for OwnRedis {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

#[tokio::test]
async fn it_answers_503_while_redis_is_down_and_recovers_after_a_restart_by_itself() {
    let port = free_port();
    let redis = OwnRedis::start(port);
    let base = serve(config(format!("redis://127.0.0.1:{port}"), 1 << 20)).await;
    let ping = || post(&base, "/", br#"["PING"]"#.to_vec());
    assert_eq!(ping().await.0, 200);

    drop(redis);
    for _ in 0..3 {
        let started = Instant::now();
        let (status, body) = ping().await;
        assert_eq!(status, 503, "{body}");
        assert!(body["error"]
            .as_str()
            .unwrap()
            .starts_with("ERR redis unavailable"));
        assert!(
            started.elapsed() < Duration::from_secs(2),
            "an outage must be reported fast"
        );
    }

    let _redis = OwnRedis::start(port);
    let started = Instant::now();
    loop {
        if ping().await.0 == 200 {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "the gateway did not reconnect within 5 s"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn it_starts_while_redis_is_down_and_serves_once_redis_comes_up() {
    let port = free_port();
    let base = serve(config(format!("redis://127.0.0.1:{port}"), 1 << 20)).await;
    assert_eq!(post(&base, "/", br#"["PING"]"#.to_vec()).await.0, 503);
    let _redis = OwnRedis::start(port);
    // Both pool slots must come up: try a few times so each slot gets a request.
    for _ in 0..4 {
        assert_eq!(post(&base, "/", br#"["PING"]"#.to_vec()).await.0, 200);
    }
}

/// `INFO commandstats` lines for these commands (absent when Redis never ran one).
async fn command_stats(names: &[&str]) -> Vec<String> {
    let client = redis::Client::open(redis_url()).unwrap();
    let mut connection = client.get_multiplexed_async_connection().await.unwrap();
    let info: String = redis::cmd("INFO")
        .arg("commandstats")
        .query_async(&mut connection)
        .await
        .unwrap();
    info.lines()
        .filter(|line| {
            names
                .iter()
                .any(|n| line.starts_with(&format!("cmdstat_{}:", n.to_ascii_lowercase())))
        })
        .map(|line| line.split(",usec=").next().unwrap_or(line).to_owned())
        .collect()
}

#[tokio::test]
async fn every_refused_command_class_gets_400_and_never_reaches_redis() {
    let base = serve(config(redis_url(), 1 << 20)).await;
    let refused: Vec<Value> = vec![
        json!(["FLUSHALL"]),
        json!(["CONFIG", "SET", "maxmemory", "1"]),
        json!(["REPLICAOF", "198.51.100.1", "6379"]),
        json!(["MODULE", "LIST"]),
        json!(["DEBUG", "SLEEP", "5"]),
        json!(["KEYS", "*"]),
        json!(["ACL", "LIST"]),
        json!(["SHUTDOWN", "NOSAVE"]),
        json!(["BLPOP", "k", 0]),
        json!(["XREAD", "BLOCK", 0, "STREAMS", "s", "$"]),
        json!(["SCRIPT", "FLUSH"]),
    ];
    let names = [
        "FLUSHALL",
        "CONFIG",
        "REPLICAOF",
        "MODULE",
        "DEBUG",
        "KEYS",
        "ACL",
        "SHUTDOWN",
        "BLPOP",
        "XREAD",
        "SCRIPT",
    ];
    let before = command_stats(&names).await;
    for command in &refused {
        let (status, body) = post(&base, "/", command.to_string()).await;
        assert_eq!(status, 400, "{command}: {body}");
        assert!(
            body["error"]
                .as_str()
                .unwrap()
                .starts_with("ERR command is not allowed"),
            "{command}: {body}"
        );
        let (status, _) = post(&base, "/pipeline", json!([["PING"], command]).to_string()).await;
        assert_eq!(status, 400, "a pipeline with {command} is refused whole");
    }
    let (status, _) = post(&base, "/flushall", Vec::new()).await;
    assert_eq!(status, 400, "the path form is checked too");
    assert_eq!(
        command_stats(&names).await,
        before,
        "Redis never saw a refused command"
    );
}

/// A raw client that sends a request line, then one header byte every 100 ms and never the
/// end of its head. Returns how long the gateway let it go on.
async fn trickle_headers(address: String) -> Duration {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut stream = tokio::net::TcpStream::connect(address).await.unwrap();
    let started = Instant::now();
    stream
        .write_all(b"POST / HTTP/1.1\r\nx-slow: ")
        .await
        .unwrap();
    let mut buf = [0u8; 256];
    loop {
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "a trickling client was never cut off"
        );
        if stream.write_all(b"a").await.is_err() {
            return started.elapsed();
        }
        match tokio::time::timeout(Duration::from_millis(100), stream.read(&mut buf)).await {
            Ok(Ok(_)) | Ok(Err(_)) => return started.elapsed(),
            Err(_) => {}
        }
    }
}

#[tokio::test]
async fn a_client_trickling_its_headers_is_cut_off_at_the_deadline_while_others_are_served() {
    let mut c = config(redis_url(), 1 << 20);
    c.header_timeout = Duration::from_millis(800);
    c.max_connections = 3;
    let base = serve(c).await;
    let address = base.trim_start_matches("http://").to_owned();
    let slow: Vec<_> = (0..2)
        .map(|_| tokio::spawn(trickle_headers(address.clone())))
        .collect();
    // Two of the three slots are held by trickling clients; the third serves everyone else.
    tokio::time::sleep(Duration::from_millis(100)).await;
    for _ in 0..5 {
        let started = Instant::now();
        let (status, _) = post(&base, "/", r#"["PING"]"#).await;
        assert_eq!(status, 200);
        assert!(started.elapsed() < Duration::from_millis(500));
    }
    for client in slow {
        let lasted = client.await.unwrap();
        assert!(
            lasted >= Duration::from_millis(600) && lasted < Duration::from_millis(2_500),
            "cut off after {lasted:?}, the deadline is 800 ms"
        );
    }
}

#[tokio::test]
async fn a_body_that_does_not_arrive_in_time_is_refused() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut c = config(redis_url(), 1 << 20);
    c.body_timeout = Duration::from_millis(500);
    let base = serve(c).await;
    let address = base.trim_start_matches("http://");
    let mut stream = tokio::net::TcpStream::connect(address).await.unwrap();
    let head = format!(
        "POST / HTTP/1.1\r\nhost: x\r\nauthorization: Bearer {TOKEN}\r\ncontent-length: 100\r\n\r\n[\"PI"
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    let started = Instant::now();
    let mut answer = vec![0u8; 512];
    let n = tokio::time::timeout(Duration::from_secs(5), stream.read(&mut answer))
        .await
        .expect("an answer within the body deadline")
        .unwrap();
    let answer = String::from_utf8_lossy(&answer[..n]);
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(started.elapsed() < Duration::from_secs(2));
}

/// The three scripts of the review: each would run through an allow-list of commands alone.
const HOSTILE_SCRIPTS: [&str; 3] = [
    "redis.call('FLUSHALL') return 1",
    "return redis.call('KEYS', '*')",
    "while true do end",
];

#[tokio::test]
async fn scripts_off_the_list_are_refused_in_every_form_and_never_reach_redis() {
    // The default list: the service's own scripts.
    let base = serve(config(redis_url(), 1 << 20)).await;
    let canary = format!("{}canary", prefix());
    let (status, _) = post(&base, "/", json!(["SET", &canary, "alive"]).to_string()).await;
    assert_eq!(status, 200);
    let names = [
        "EVAL",
        "EVAL_RO",
        "EVALSHA",
        "EVALSHA_RO",
        "SCRIPT",
        "FLUSHALL",
        "KEYS",
    ];
    let before = command_stats(&names).await;
    for script in HOSTILE_SCRIPTS {
        let sha = redis_rest::scripts::sha1_hex(script.as_bytes());
        let forms = [
            json!(["EVAL", script, 0]),
            json!(["eval_ro", script, 0]),
            json!(["EVALSHA", sha, 0]),
            json!(["EVALSHA_RO", sha, 0]),
            json!(["SCRIPT", "LOAD", script]),
        ];
        for command in &forms {
            let (status, body) = post(&base, "/", command.to_string()).await;
            assert_eq!(status, 400, "{command}: {body}");
            assert!(
                body["error"]
                    .as_str()
                    .unwrap()
                    .starts_with("ERR script is not allowed"),
                "{command}: {body}"
            );
            for path in ["/pipeline", "/multi-exec"] {
                let batch = json!([["PING"], command]).to_string();
                assert_eq!(
                    post(&base, path, batch).await.0,
                    400,
                    "{path} with {command}"
                );
            }
        }
        let encoded: String = script.bytes().map(|b| format!("%{b:02X}")).collect();
        let (status, _) = post(&base, &format!("/eval/{encoded}/0"), Vec::new()).await;
        assert_eq!(status, 400, "the path form of {script:?} is checked too");
    }
    assert_eq!(
        command_stats(&names).await,
        before,
        "Redis never saw a refused script"
    );
    let (_, body) = post(&base, "/", json!(["GET", &canary]).to_string()).await;
    assert_eq!(body, json!({"result": "alive"}), "nothing was flushed");
}

#[tokio::test]
async fn with_scripting_refused_not_even_a_service_script_runs() {
    let mut config = config(redis_url(), 1 << 20);
    config.scripts = redis_rest::scripts::Scripts::parse(Some("none")).unwrap();
    let base = serve(config).await;
    let (status, body) = post(&base, "/", json!(["EVAL", "return 1", 0]).to_string()).await;
    assert_eq!(status, 400, "{body}");
    let (status, _) = post(
        &base,
        "/",
        json!(["SCRIPT", "EXISTS", "0".repeat(40)]).to_string(),
    )
    .await;
    assert_eq!(
        status, 200,
        "asking whether a script is loaded runs nothing"
    );
}

#[tokio::test]
async fn a_listed_script_that_runs_past_the_deadline_is_killed_and_redis_serves_again() {
    let port = free_port();
    // Redis reads other clients (and so a SCRIPT KILL) only after a script has run this long.
    let _redis = OwnRedis::start_with(port, &["--busy-reply-threshold", "100"]);
    let spin = HOSTILE_SCRIPTS[2];
    let mut config = config(format!("redis://127.0.0.1:{port}"), 1 << 20);
    config.request_timeout = Duration::from_millis(500);
    config.scripts =
        redis_rest::scripts::Scripts::parse(Some(&redis_rest::scripts::sha1_hex(spin.as_bytes())))
            .unwrap();
    let base = serve(config).await;
    let started = Instant::now();
    let (status, body) = post(&base, "/", json!(["EVAL", spin, 0]).to_string()).await;
    assert_eq!(status, 503, "{body}");
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "answered at the deadline"
    );
    let started = Instant::now();
    loop {
        let (status, body) = post(&base, "/", br#"["PING"]"#.to_vec()).await;
        if status == 200 {
            assert_eq!(body, json!({"result": "PONG"}));
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "Redis still busy 5 s after the deadline: the script was not killed ({status} {body})"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}
