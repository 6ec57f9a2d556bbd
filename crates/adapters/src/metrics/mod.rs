//! The service's counters in one Redis hash shared by every isolate, and their Prometheus text.
//!
//! Which counters an answer moves is the domain's (`auth_core::http::metrics`); this module stores
//! them (a hash field is `name|label=value,...`, summed with HINCRBY) and renders the totals.
//! Latency buckets are stored per bucket and made cumulative when rendered.

mod prometheus;

pub use prometheus::render;

use crate::upstash::{open_breakers_key, RedisError, UpstashRedis};
use auth_core::http::metrics::Count;
use std::collections::BTreeMap;

/// The hash of every counter. One hash tag: the whole hash lives in one Redis Cluster slot.
pub fn hash_key(prefix: &str) -> String {
    format!("{prefix}metrics:{{all}}")
}

/// The hash field of a count's series.
pub fn field(count: &Count) -> String {
    let labels: Vec<String> = count
        .labels
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect();
    format!("{}|{}", count.name, labels.join(","))
}

/// Increments not yet written, summed per field: many requests' counts become one write.
#[derive(Debug, Default)]
pub struct Batch(BTreeMap<String, i64>);

impl Batch {
    pub fn add(&mut self, counts: &[Count]) {
        for count in counts {
            *self.0.entry(field(count)).or_default() += count.by;
        }
    }

    /// Writes the batch with one pipeline of HINCRBY (one round trip).
    pub async fn write(self, redis: &UpstashRedis, key: &str) -> Result<(), RedisError> {
        self.write_with(redis, key, Vec::new()).await
    }

    /// Writes the batch, then `others` (writes that waited for the same round trip), in one
    /// pipeline; the increments go first.
    pub async fn write_with(
        self,
        redis: &UpstashRedis,
        key: &str,
        others: Vec<Vec<String>>,
    ) -> Result<(), RedisError> {
        let mut commands: Vec<Vec<String>> = self
            .0
            .into_iter()
            .map(|(f, by)| vec!["HINCRBY".to_owned(), key.to_owned(), f, by.to_string()])
            .collect();
        commands.extend(others);
        if commands.is_empty() {
            return Ok(());
        }
        redis.pipeline(&commands).await.map(|_| ())
    }
}

/// Every stored field with its value (HGETALL answers `[field, value, field, value, ...]`).
pub async fn read(redis: &UpstashRedis, key: &str) -> Result<Vec<(String, i64)>, RedisError> {
    let reply = redis.command(&["HGETALL", key]).await?;
    let flat = reply.as_array().cloned().unwrap_or_default();
    Ok(flat
        .chunks(2)
        .filter_map(|pair| match pair {
            [f, v] => Some((f.as_str()?.to_owned(), v.as_str()?.parse().ok()?)),
            _ => None,
        })
        .collect())
}

/// The breakers open at `now` (the issue script keeps them in a sorted set scored by when
/// each closes), as fields of the `otp_breaker_open` gauge.
pub async fn open_breakers(
    redis: &UpstashRedis,
    prefix: &str,
    now: i64,
) -> Result<Vec<(String, i64)>, RedisError> {
    let key = open_breakers_key(prefix);
    let after_now = format!("({now}");
    let reply = redis
        .command(&["ZRANGEBYSCORE", key.as_str(), after_now.as_str(), "+inf"])
        .await?;
    let members = reply.as_array().cloned().unwrap_or_default();
    Ok(members
        .iter()
        .filter_map(|m| gauge_field(m.as_str()?))
        .collect())
}

/// `calling_code:44` or `asn:64500` as a gauge field; anything else is skipped, so nothing
/// odd in the set can reach the text.
fn gauge_field(member: &str) -> Option<(String, i64)> {
    let (scope, key) = member.split_once(':')?;
    let known = matches!(scope, "calling_code" | "asn");
    let number = !key.is_empty() && key.len() <= 10 && key.bytes().all(|b| b.is_ascii_digit());
    (known && number).then(|| (format!("otp_breaker_open|scope={scope},key={key}"), 1))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn open_breakers_become_gauge_fields_and_odd_members_are_skipped() {
        assert_eq!(
            gauge_field("calling_code:44"),
            Some(("otp_breaker_open|scope=calling_code,key=44".to_owned(), 1))
        );
        assert!(gauge_field("asn:64500").is_some());
        for odd in ["asn:", "asn:1a", "other:1", "calling_code:44\n", "asn"] {
            assert_eq!(gauge_field(odd), None, "{odd}");
        }
    }

    #[test]
    fn a_batch_sums_counts_per_field() {
        let count = |name, by| Count {
            name,
            labels: vec![("route", "/live".to_owned())],
            by,
        };
        let mut batch = Batch::default();
        batch.add(&[
            count("a_total", 1),
            count("a_total", 2),
            count("b_total", 5),
        ]);
        assert_eq!(
            batch.0.into_iter().collect::<Vec<_>>(),
            [
                ("a_total|route=/live".to_owned(), 3),
                ("b_total|route=/live".to_owned(), 5)
            ]
        );
    }
}
