//! Settings from the Workers environment (`[vars]` in wrangler.toml, secrets, `.dev.vars`).

use worker::Env;

/// The Hyperdrive binding that reaches Postgres (a pooler in front of it).
pub const HYPERDRIVE_BINDING: &str = "HYPERDRIVE";

/// How the worker talks TLS to the Postgres endpoint of the Hyperdrive binding.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PostgresTls {
    /// Plain TCP: only for the local pooler on loopback.
    Off,
    /// STARTTLS negotiated by the Workers runtime, as production Hyperdrive expects.
    StartTls,
}

/// Everything a request may need from configuration.
pub struct Config {
    pub redis_rest_url: String,
    /// Bearer token for the Redis REST endpoint. Never logged.
    pub redis_rest_token: String,
    pub postgres_tls: PostgresTls,
}

impl Config {
    /// Reads the configuration; a missing required setting is an error naming the variable.
    pub fn from_env(env: &Env) -> Result<Self, String> {
        let required = |name: &str| -> Result<String, String> {
            env.var(name)
                .map(|v| v.to_string())
                .or_else(|_| env.secret(name).map(|v| v.to_string()))
                .ok()
                .filter(|v| !v.is_empty())
                .ok_or_else(|| format!("missing setting {name}"))
        };
        let postgres_tls = match env.var("POSTGRES_TLS").map(|v| v.to_string()).as_deref() {
            Ok("off") => PostgresTls::Off,
            Ok("starttls") | Err(_) => PostgresTls::StartTls,
            Ok(other) => {
                return Err(format!(
                    "POSTGRES_TLS must be off or starttls, not {other:?}"
                ))
            }
        };
        Ok(Self {
            redis_rest_url: required("REDIS_REST_URL")?,
            redis_rest_token: required("REDIS_REST_TOKEN")?,
            postgres_tls,
        })
    }
}
