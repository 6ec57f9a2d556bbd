//! Gateway settings, read from the environment once at startup.

use crate::scripts::Scripts;
use std::net::SocketAddr;
use std::time::Duration;

/// Everything the gateway can be told. See `from_env` for the variable names and defaults.
#[derive(Debug, Clone)]
pub struct Config {
    pub listen: SocketAddr,
    /// One Redis URL; in cluster mode, the seed nodes' URLs separated by commas.
    pub redis_url: String,
    pub mode: Mode,
    /// The bearer token clients must present. Never logged.
    pub token: String,
    pub pool_size: usize,
    pub request_timeout: Duration,
    pub connect_timeout: Duration,
    pub max_body_bytes: usize,
    /// Connections served at once; more wait in the accept backlog.
    pub max_connections: usize,
    /// Time a client has to send a request's head, and then its body.
    pub header_timeout: Duration,
    pub body_timeout: Duration,
    /// The Lua scripts clients may run (`REDIS_REST_SCRIPTS`).
    pub scripts: Scripts,
}

/// What `redis_url` names: one Redis server, or a Redis Cluster through its seed nodes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Single,
    Cluster,
}

impl Mode {
    /// `single` or `cluster`, as `REDIS_REST_MODE` takes it.
    pub fn parse(value: &str) -> Option<Self> {
        match value {
            "single" => Some(Self::Single),
            "cluster" => Some(Self::Cluster),
            _ => None,
        }
    }
}

/// The shortest token accepted: 32 characters, about 190 bits as `cargo xtask` makes them.
pub const MIN_TOKEN_LEN: usize = 32;

/// A setting that is missing or unreadable; the message names the variable and how to fix it.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct ConfigError(String);

impl Config {
    /// Reads `REDIS_REST_*` variables. Only the token is required: a gateway without auth would
    /// expose Redis to anything that can reach the port.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let token = get("REDIS_REST_TOKEN")
            .filter(|t| !t.is_empty())
            .ok_or_else(|| {
                ConfigError("REDIS_REST_TOKEN is required (the bearer token clients send)".into())
            })?;
        if token.chars().count() < MIN_TOKEN_LEN {
            return Err(ConfigError(format!(
                "REDIS_REST_TOKEN must be at least {MIN_TOKEN_LEN} characters \
                 (e.g. `openssl rand -base64 32`)"
            )));
        }
        let parsed = |name: &str, default: u64| -> Result<u64, ConfigError> {
            match get(name) {
                None => Ok(default),
                Some(v) => v
                    .parse()
                    .map_err(|_| ConfigError(format!("{name}={v:?} is not a whole number"))),
            }
        };
        let listen = get("REDIS_REST_LISTEN").unwrap_or_else(|| "127.0.0.1:8079".into());
        let listen = listen.parse().map_err(|_| {
            ConfigError(format!(
                "REDIS_REST_LISTEN={listen:?} is not an address like 127.0.0.1:8079"
            ))
        })?;
        let pool_size = parsed("REDIS_REST_POOL_SIZE", 4)?;
        if pool_size == 0 || pool_size > 64 {
            return Err(ConfigError(
                "REDIS_REST_POOL_SIZE must be between 1 and 64".into(),
            ));
        }
        let max_connections = parsed("REDIS_REST_MAX_CONNECTIONS", 512)?;
        if max_connections == 0 || max_connections > 65_536 {
            return Err(ConfigError(
                "REDIS_REST_MAX_CONNECTIONS must be between 1 and 65536".into(),
            ));
        }
        let mode = match get("REDIS_REST_MODE") {
            None => Mode::Single,
            Some(v) => Mode::parse(&v).ok_or_else(|| {
                ConfigError(format!(
                    "REDIS_REST_MODE={v:?} is neither single nor cluster"
                ))
            })?,
        };
        let redis_url =
            get("REDIS_REST_REDIS_URL").unwrap_or_else(|| "redis://127.0.0.1:6379".into());
        if mode == Mode::Single && redis_url.contains(',') {
            return Err(ConfigError(
                "REDIS_REST_REDIS_URL lists several nodes: set REDIS_REST_MODE=cluster for a \
                 Redis Cluster"
                    .into(),
            ));
        }
        Ok(Self {
            listen,
            redis_url,
            mode,
            token,
            pool_size: pool_size as usize,
            request_timeout: Duration::from_millis(parsed("REDIS_REST_TIMEOUT_MS", 2_000)?),
            connect_timeout: Duration::from_millis(parsed("REDIS_REST_CONNECT_TIMEOUT_MS", 1_000)?),
            max_body_bytes: parsed("REDIS_REST_MAX_BODY_BYTES", 1024 * 1024)? as usize,
            max_connections: max_connections as usize,
            header_timeout: Duration::from_millis(parsed("REDIS_REST_HEADER_TIMEOUT_MS", 5_000)?),
            body_timeout: Duration::from_millis(parsed("REDIS_REST_BODY_TIMEOUT_MS", 5_000)?),
            scripts: Scripts::parse(get("REDIS_REST_SCRIPTS").as_deref()).map_err(ConfigError)?,
        })
    }
}

impl Config {
    /// The defaults, for a gateway served in-process on an ephemeral loopback port (tests and
    /// benchmarks): only the Redis and the token are named.
    pub fn local(redis_url: impl Into<String>, mode: Mode, token: impl Into<String>) -> Self {
        Self {
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            redis_url: redis_url.into(),
            mode,
            token: token.into(),
            pool_size: 2,
            request_timeout: Duration::from_secs(2),
            connect_timeout: Duration::from_secs(1),
            max_body_bytes: 1024 * 1024,
            max_connections: 64,
            header_timeout: Duration::from_secs(5),
            body_timeout: Duration::from_secs(5),
            scripts: Scripts::service(),
        }
    }

    /// The seed nodes of a cluster (or the one server), trimmed.
    pub fn nodes(&self) -> Vec<&str> {
        self.redis_url.split(',').map(str::trim).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn config(vars: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let map: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Config::from_lookup(|k| map.get(k).cloned())
    }

    const TOKEN: &str = "a-token-of-thirty-two-characters";

    #[test]
    fn a_token_of_at_least_32_characters_is_required() {
        let err = config(&[]).unwrap_err();
        assert!(err.to_string().contains("REDIS_REST_TOKEN"));
        assert!(config(&[("REDIS_REST_TOKEN", "")]).is_err());
        let short = config(&[("REDIS_REST_TOKEN", &TOKEN[1..])]).unwrap_err();
        assert!(short.to_string().contains("at least 32"), "{short}");
        assert!(config(&[("REDIS_REST_TOKEN", TOKEN)]).is_ok());
    }

    #[test]
    fn defaults_apply_and_bad_numbers_name_their_variable() {
        let c = config(&[("REDIS_REST_TOKEN", TOKEN)]).unwrap();
        assert_eq!(c.pool_size, 4);
        assert_eq!(c.listen.to_string(), "127.0.0.1:8079");
        assert_eq!(c.max_connections, 512);
        assert_eq!(c.header_timeout, Duration::from_secs(5));
        let err = config(&[
            ("REDIS_REST_TOKEN", TOKEN),
            ("REDIS_REST_TIMEOUT_MS", "soon"),
        ])
        .unwrap_err();
        assert!(err.to_string().contains("REDIS_REST_TIMEOUT_MS"));
        assert!(config(&[("REDIS_REST_TOKEN", TOKEN), ("REDIS_REST_POOL_SIZE", "0")]).is_err());
    }

    #[test]
    fn a_cluster_is_named_by_its_mode_and_seed_nodes() {
        let seeds = "redis://127.0.0.1:7001, redis://127.0.0.1:7002";
        assert_eq!(
            config(&[("REDIS_REST_TOKEN", TOKEN)]).unwrap().mode,
            Mode::Single
        );
        let c = config(&[
            ("REDIS_REST_TOKEN", TOKEN),
            ("REDIS_REST_MODE", "cluster"),
            ("REDIS_REST_REDIS_URL", seeds),
        ])
        .unwrap();
        assert_eq!(c.mode, Mode::Cluster);
        assert_eq!(
            c.nodes(),
            ["redis://127.0.0.1:7001", "redis://127.0.0.1:7002"]
        );
        let mixed = config(&[("REDIS_REST_TOKEN", TOKEN), ("REDIS_REST_REDIS_URL", seeds)]);
        assert!(mixed
            .unwrap_err()
            .to_string()
            .contains("REDIS_REST_MODE=cluster"));
        let unknown = config(&[("REDIS_REST_TOKEN", TOKEN), ("REDIS_REST_MODE", "sentinel")]);
        assert!(unknown.unwrap_err().to_string().contains("REDIS_REST_MODE"));
    }
}
