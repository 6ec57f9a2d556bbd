//! The real gateway, served in-process on an ephemeral port in front of the test Redis:
//! TEST_REDIS_URL, one server by default, or a Redis Cluster's seed nodes when the cluster tier
//! sets TEST_REDIS_MODE=cluster.

use redis_rest::config::{Config, Mode};

/// The test Redis' mode.
pub fn mode() -> Mode {
    std::env::var("TEST_REDIS_MODE").map_or(Mode::Single, |m| {
        Mode::parse(&m).expect("TEST_REDIS_MODE is single or cluster")
    })
}

/// Serves a gateway with `token`; answers its base URL.
pub async fn serve(token: &str) -> String {
    let redis_url =
        std::env::var("TEST_REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".into());
    let mut config = Config::local(redis_url, mode(), token);
    config.pool_size = 4;
    let address = redis_rest::server::spawn(&config)
        .await
        .expect("the gateway serves");
    format!("http://{address}")
}
