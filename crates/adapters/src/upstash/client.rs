//! The HTTP client side of the Upstash REST protocol.

use super::reply::{Envelope, Reply};
use super::transport::post_json;

/// A failed Redis call, sorted by what the caller should do about it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RedisError {
    /// The gateway could not be reached or could not reach Redis: the caller answers 503.
    #[error("redis unavailable: {0}")]
    Unavailable(String),
    /// Redis ran the command and answered with an error (wrong type, script error, ...).
    #[error("redis command failed: {0}")]
    Command(String),
    /// The gateway answered something this client does not understand, or refused the token.
    #[error("redis gateway protocol error: {0}")]
    Protocol(String),
}

/// How long one call may take before it counts as unavailable.
const DEFAULT_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(2);

/// A client for one Upstash-compatible endpoint. Cheap to clone: the HTTP client is shared.
#[derive(Debug, Clone)]
pub struct UpstashRedis {
    base_url: String,
    token: String,
    /// Natively only: wasm32 calls the runtime's `fetch` (`transport` says why).
    #[cfg(not(target_arch = "wasm32"))]
    http: reqwest::Client,
    timeout: std::time::Duration,
}

impl UpstashRedis {
    /// `base_url` is the REST URL without a trailing slash, e.g. `https://eu1-x.upstash.io`.
    pub fn new(base_url: impl Into<String>, token: impl Into<String>) -> Self {
        let base_url = base_url.into().trim_end_matches('/').to_owned();
        Self {
            base_url,
            token: token.into(),
            #[cfg(not(target_arch = "wasm32"))]
            http: reqwest::Client::new(),
            timeout: DEFAULT_TIMEOUT,
        }
    }

    /// Changes the per-call timeout (2 s by default).
    pub fn with_timeout(mut self, timeout: std::time::Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Runs one command, e.g. `["SET", "k", "v", "EX", "60"]`. One HTTP round trip.
    pub async fn command<S: AsRef<str>>(&self, args: &[S]) -> Result<Reply, RedisError> {
        let body = to_json_array(args);
        let envelope: Envelope = self.post("", &body).await?;
        envelope.into_result().map_err(command_error)
    }

    /// Runs several commands in one round trip, not atomically. Each command has its own result.
    pub async fn pipeline<S: AsRef<str>>(
        &self,
        commands: &[Vec<S>],
    ) -> Result<Vec<Result<Reply, RedisError>>, RedisError> {
        self.batch("/pipeline", commands).await
    }

    /// Runs several commands in one round trip as one MULTI/EXEC transaction: no other client's
    /// command runs between them.
    pub async fn multi_exec<S: AsRef<str>>(
        &self,
        commands: &[Vec<S>],
    ) -> Result<Vec<Result<Reply, RedisError>>, RedisError> {
        self.batch("/multi-exec", commands).await
    }

    /// One PING round trip through the gateway to Redis.
    pub async fn ping(&self) -> Result<(), RedisError> {
        match self.command(&["PING"]).await? {
            Reply::String(s) if s == "PONG" => Ok(()),
            other => Err(RedisError::Protocol(format!("PING answered {other}"))),
        }
    }

    async fn batch<S: AsRef<str>>(
        &self,
        path: &str,
        commands: &[Vec<S>],
    ) -> Result<Vec<Result<Reply, RedisError>>, RedisError> {
        let body = serde_json::Value::Array(commands.iter().map(|c| to_json_array(c)).collect());
        let envelopes: Vec<Envelope> = self.post(path, &body).await?;
        if envelopes.len() != commands.len() {
            return Err(RedisError::Protocol(format!(
                "sent {} commands, got {} results",
                commands.len(),
                envelopes.len()
            )));
        }
        Ok(envelopes
            .into_iter()
            .map(|e| e.into_result().map_err(command_error))
            .collect())
    }

    async fn post<T: serde::de::DeserializeOwned>(
        &self,
        path: &str,
        body: &serde_json::Value,
    ) -> Result<T, RedisError> {
        let url = format!("{}{}", self.base_url, path);
        let sent = post_json(
            #[cfg(not(target_arch = "wasm32"))]
            &self.http,
            &url,
            &self.token,
            body.to_string(),
            self.timeout,
        )
        .await;
        let (status, text) = sent.map_err(|kind| RedisError::Unavailable(kind.to_owned()))?;
        match status {
            200 => serde_json::from_str(&text)
                .map_err(|e| RedisError::Protocol(format!("unreadable body: {e}"))),
            // A command error: Redis answered, the command failed.
            400 => match serde_json::from_str::<Envelope>(&text)
                .ok()
                .and_then(|e| e.error)
            {
                Some(message) => Err(RedisError::Command(message)),
                None => Err(RedisError::Protocol(
                    "HTTP 400 without an error field".to_owned(),
                )),
            },
            401 | 403 => Err(RedisError::Protocol(
                "the gateway refused the token".to_owned(),
            )),
            500..=599 => Err(RedisError::Unavailable(format!(
                "gateway answered HTTP {status}"
            ))),
            _ => Err(RedisError::Protocol(format!("unexpected HTTP {status}"))),
        }
    }
}

/// A command's error. Behind a Redis Cluster one node can be down while the others answer: the
/// gateway then answers that node's commands in a pipeline with the words of a whole call's 503.
fn command_error(message: String) -> RedisError {
    match message.strip_prefix("ERR redis unavailable: ") {
        Some(why) => RedisError::Unavailable(why.to_owned()),
        None => RedisError::Command(message),
    }
}

fn to_json_array<S: AsRef<str>>(args: &[S]) -> serde_json::Value {
    serde_json::Value::Array(
        args.iter()
            .map(|a| serde_json::Value::from(a.as_ref()))
            .collect(),
    )
}
