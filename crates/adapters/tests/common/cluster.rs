//! The cluster tier's Redis Cluster nodes, reached directly (not through the gateway): the
//! tier names their ports in TEST_REDIS_CLUSTER_PORTS.

use redis::aio::MultiplexedConnection;

/// The nodes' ports; empty outside the cluster tier.
pub fn ports() -> Vec<u16> {
    std::env::var("TEST_REDIS_CLUSTER_PORTS")
        .unwrap_or_default()
        .split(',')
        .filter_map(|p| p.trim().parse().ok())
        .collect()
}

pub async fn connect(port: u16) -> redis::RedisResult<MultiplexedConnection> {
    redis::Client::open(format!("redis://127.0.0.1:{port}"))?
        .get_multiplexed_async_connection()
        .await
}

/// One field of a node's `INFO section` (e.g. `role` of `replication`).
pub async fn info_field(port: u16, section: &str, field: &str) -> Option<String> {
    let mut connection = connect(port).await.ok()?;
    let info: String = redis::cmd("INFO")
        .arg(section)
        .query_async(&mut connection)
        .await
        .ok()?;
    info.lines()
        .find_map(|line| line.strip_prefix(&format!("{field}:")))
        .map(|value| value.trim().to_owned())
}

/// Every key on one node that matches `pattern`.
pub async fn scan(port: u16, pattern: &str) -> Vec<String> {
    let mut connection = connect(port).await.expect("the node answers");
    let (mut cursor, mut found) = (0u64, Vec::new());
    loop {
        let (next, keys): (u64, Vec<String>) = redis::cmd("SCAN")
            .arg(cursor)
            .arg("MATCH")
            .arg(pattern)
            .arg("COUNT")
            .arg(1000)
            .query_async(&mut connection)
            .await
            .expect("SCAN answers");
        found.extend(keys);
        cursor = next;
        if cursor == 0 {
            return found;
        }
    }
}

/// Makes the test Redis forget every script, as a restart does: each cluster node in the
/// cluster tier, else TEST_REDIS_URL's server.
pub async fn flush_scripts() {
    let urls: Vec<String> = match ports().as_slice() {
        [] => {
            vec![std::env::var("TEST_REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".into())]
        }
        ports => ports
            .iter()
            .map(|p| format!("redis://127.0.0.1:{p}"))
            .collect(),
    };
    for url in urls {
        let client = redis::Client::open(url).expect("a Redis URL");
        let mut connection = client
            .get_multiplexed_async_connection()
            .await
            .expect("the node answers");
        let _: () = redis::cmd("SCRIPT")
            .arg("FLUSH")
            .query_async(&mut connection)
            .await
            .expect("SCRIPT FLUSH");
    }
}
