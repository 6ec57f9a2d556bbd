//! Round trips counted outside the worker: requests in the gateway's access log, and queries
//! in PgBouncer's statistics for the `auth` database.

use std::time::Duration;

/// Requests the gateway has logged so far, leaving out the metrics writes (pipelines of HINCRBY
/// that the worker sends after answering, off the request path).
pub fn gateway_requests() -> usize {
    let log = std::fs::read_to_string(crate::stack().dir.join("redis-rest.log")).unwrap();
    log.lines()
        .filter(|l| l.contains("\"route\"") && !l.contains("\"commands\":[\"HINCRBY\""))
        .count()
}

/// The worker's after-answer writes (a metrics pipeline of HINCRBY) that also carried script
/// calls: a verified login's count in the risk records rides them.
pub fn after_answer_writes_with_scripts() -> usize {
    let log = std::fs::read_to_string(crate::stack().dir.join("redis-rest.log")).unwrap();
    log.lines()
        .filter(|l| l.contains("\"commands\":[\"HINCRBY\"") && l.contains("\"EVAL\""))
        .count()
}

/// PINGs the gateway has logged so far: the Redis half of `/ready`'s probes.
pub fn gateway_pings() -> usize {
    let log = std::fs::read_to_string(crate::stack().dir.join("redis-rest.log")).unwrap();
    log.lines()
        .filter(|l| l.contains("\"commands\":[\"PING\"]"))
        .count()
}

/// Reads the gateway count until it stops moving (it logs right after answering).
pub async fn settled_gateway_requests() -> usize {
    let mut last = gateway_requests();
    loop {
        tokio::time::sleep(Duration::from_millis(100)).await;
        let now = gateway_requests();
        if now == last {
            return now;
        }
        last = now;
    }
}

/// Queries PgBouncer has passed to the `auth` database so far (from its admin console, whose
/// own SHOW STATS is not counted against `auth`).
pub async fn pooled_queries() -> i64 {
    pooled_queries_at(crate::stack().pgbouncer_port).await
}

/// [`pooled_queries`] of the PgBouncer on `port` (another region's).
pub async fn pooled_queries_at(port: u16) -> i64 {
    let url = format!("postgres://auth:auth@127.0.0.1:{port}/pgbouncer");
    let (client, connection) = tokio_postgres::connect(&url, tokio_postgres::NoTls)
        .await
        .unwrap();
    tokio::spawn(connection);
    client
        .simple_query("SHOW STATS")
        .await
        .unwrap()
        .iter()
        .filter_map(|m| match m {
            tokio_postgres::SimpleQueryMessage::Row(row) if row.get("database") == Some("auth") => {
                row.get("total_query_count")
                    .and_then(|v| v.parse::<i64>().ok())
            }
            _ => None,
        })
        .sum()
}

/// Queries since `before`, waiting up to 2 s for PgBouncer to account for them.
pub async fn pooled_queries_since(before: i64) -> i64 {
    pooled_queries_since_at(crate::stack().pgbouncer_port, before).await
}

/// [`pooled_queries_since`] at the PgBouncer on `port` (another region's).
pub async fn pooled_queries_since_at(port: u16, before: i64) -> i64 {
    for _ in 0..20 {
        let n = pooled_queries_at(port).await - before;
        if n > 0 {
            return n;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    0
}
