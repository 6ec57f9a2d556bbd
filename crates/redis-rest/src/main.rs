//! `redis-rest`: serve the Upstash REST protocol in front of a Redis.
//!
//! Configuration is by environment variable (see `config.rs` and the README):
//! `REDIS_REST_TOKEN` (required), `REDIS_REST_LISTEN`, `REDIS_REST_REDIS_URL`, `REDIS_REST_MODE`,
//! `REDIS_REST_POOL_SIZE`, `REDIS_REST_TIMEOUT_MS`, `REDIS_REST_CONNECT_TIMEOUT_MS`,
//! `REDIS_REST_MAX_BODY_BYTES`, `REDIS_REST_MAX_CONNECTIONS`, `REDIS_REST_HEADER_TIMEOUT_MS`,
//! `REDIS_REST_BODY_TIMEOUT_MS`, `REDIS_REST_SCRIPTS`.

use redis_rest::config::Config;

#[tokio::main]
async fn main() {
    if std::env::args().any(|a| a == "--help" || a == "-h") {
        println!("redis-rest: an Upstash-compatible REST gateway for Redis. Configure with REDIS_REST_* variables; see README.md.");
        return;
    }
    let config = match Config::from_env() {
        Ok(config) => config,
        Err(err) => {
            eprintln!("redis-rest: {err}");
            std::process::exit(2);
        }
    };
    let listen = config.listen;
    if let Err(err) = redis_rest::server::serve(config).await {
        eprintln!("redis-rest: cannot serve on {listen}: {err}");
        std::process::exit(1);
    }
}
