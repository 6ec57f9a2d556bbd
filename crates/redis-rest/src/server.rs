//! The HTTP side: auth, body limits, dispatch to Redis with a timeout, the access log.

use crate::allow;
use crate::backend::Backend;
use crate::config::{Config, Mode};
use crate::http::{authorized, encoding_of, log_line, route_label};
use crate::reply::{self, Encoding};
use crate::request::{self, Command, RequestError};
use crate::scripts::{self, Scripts};
use axum::body::{to_bytes, Body};
use axum::extract::{Request, State};
use axum::http::{header, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Router;
use redis::Value;
use serde_json::{json, Value as Json};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Shared state of the gateway.
pub struct Gateway {
    redis: Arc<Backend>,
    mode: Mode,
    token: String,
    request_timeout: Duration,
    max_body_bytes: usize,
    body_timeout: Duration,
    scripts: Scripts,
}

impl Gateway {
    pub fn new(config: &Config) -> redis::RedisResult<Self> {
        Ok(Self {
            redis: Arc::new(Backend::new(config)?),
            mode: config.mode,
            token: config.token.clone(),
            request_timeout: config.request_timeout,
            max_body_bytes: config.max_body_bytes,
            body_timeout: config.body_timeout,
            scripts: config.scripts.clone(),
        })
    }
}

/// The gateway's routes. Everything goes through one handler: the protocol's paths are data
/// (the command-in-path form), not a fixed route table.
pub fn router(gateway: Arc<Gateway>) -> Router {
    Router::new().fallback(handle).with_state(gateway)
}

// Binding, accepting and shutting down live in `listener.rs`; re-exported here, where the
// gateway's callers have always found them.
pub use crate::listener::{serve, spawn};

/// What one request came to, before it becomes a response and a log line.
struct Outcome {
    status: StatusCode,
    body: Json,
    /// Names of the commands run (never their arguments, which may be secrets).
    commands: Vec<String>,
}

impl Outcome {
    fn error(status: StatusCode, message: impl Into<String>) -> Self {
        Self {
            status,
            body: reply::error_envelope(message),
            commands: Vec::new(),
        }
    }

    fn bad_request(err: RequestError) -> Self {
        Self::error(StatusCode::BAD_REQUEST, err.to_string())
    }
}

async fn handle(State(gateway): State<Arc<Gateway>>, request: Request) -> Response {
    let started = Instant::now();
    let method = request.method().clone();
    let route = route_label(request.uri().path());
    let outcome = dispatch(&gateway, request).await;
    log_line(json!({
        "level": "info",
        "method": method.as_str(),
        "route": route,
        "status": outcome.status.as_u16(),
        "ms": (started.elapsed().as_secs_f64() * 1000.0 * 1000.0).round() / 1000.0,
        "commands": outcome.commands,
    }));
    (
        outcome.status,
        [(header::CONTENT_TYPE, "application/json")],
        outcome.body.to_string(),
    )
        .into_response()
}

async fn dispatch(gateway: &Gateway, request: Request) -> Outcome {
    let (parts, body) = request.into_parts();
    if !authorized(&gateway.token, &parts.headers, parts.uri.query()) {
        return Outcome::error(StatusCode::UNAUTHORIZED, "Unauthorized");
    }
    if parts.method != Method::POST && parts.method != Method::GET {
        return Outcome::error(StatusCode::METHOD_NOT_ALLOWED, "ERR method not allowed");
    }
    let read = tokio::time::timeout(
        gateway.body_timeout,
        read_body(body, gateway.max_body_bytes),
    );
    let body = match read.await {
        Ok(Ok(body)) => body,
        Ok(Err(outcome)) => return outcome,
        Err(_) => {
            return Outcome::error(
                StatusCode::REQUEST_TIMEOUT,
                "ERR request body not received in time",
            )
        }
    };
    let encoding = encoding_of(&parts.headers);
    let path = parts.uri.path();
    let is_post = parts.method == Method::POST;
    match path {
        "" | "/" if is_post => match request::parse_command(&body) {
            Ok(command) => run_single(gateway, command, encoding).await,
            Err(err) => Outcome::bad_request(err),
        },
        "/pipeline" | "/multi-exec" if is_post => match request::parse_batch(&body) {
            Ok(commands) => run_batch(gateway, commands, path == "/multi-exec", encoding).await,
            Err(err) => Outcome::bad_request(err),
        },
        "" | "/" | "/pipeline" | "/multi-exec" => Outcome::error(
            StatusCode::METHOD_NOT_ALLOWED,
            "ERR use POST with a JSON body",
        ),
        _ => match request::command_from_path(path, parts.uri.query(), &body) {
            Ok(command) => run_single(gateway, command, encoding).await,
            Err(err) => Outcome::bad_request(err),
        },
    }
}

async fn read_body(body: Body, limit: usize) -> Result<Vec<u8>, Outcome> {
    match to_bytes(body, limit).await {
        Ok(bytes) => Ok(bytes.to_vec()),
        Err(_) => Err(Outcome::error(
            StatusCode::PAYLOAD_TOO_LARGE,
            format!("ERR request body is larger than {limit} bytes"),
        )),
    }
}

/// The command allow-list, then the script allow-list.
fn admitted(gateway: &Gateway, command: &Command) -> Result<(), RequestError> {
    allow::check_allowed_on(gateway.mode, command)?;
    gateway.scripts.check(command)
}

async fn run_single(gateway: &Gateway, command: Command, encoding: Encoding) -> Outcome {
    if let Err(err) = admitted(gateway, &command) {
        return Outcome::bad_request(err);
    }
    let names = vec![request::command_name(&command)];
    let scripted = scripts::runs_a_script(&command);
    let result = with_timeout(gateway, scripted, gateway.redis.command(&command)).await;
    let mut outcome = match result {
        Ok(Value::ServerError(err)) => {
            Outcome::error(StatusCode::BAD_REQUEST, reply::error_text(&err.into()))
        }
        Ok(value) => Outcome {
            status: StatusCode::OK,
            body: reply::result_envelope(value, encoding),
            commands: Vec::new(),
        },
        Err(failure) => failure.into_outcome(),
    };
    outcome.commands = names;
    outcome
}

async fn run_batch(
    gateway: &Gateway,
    commands: Vec<Command>,
    atomic: bool,
    encoding: Encoding,
) -> Outcome {
    if let Some(err) = commands.iter().find_map(|c| admitted(gateway, c).err()) {
        return Outcome::bad_request(err);
    }
    let names: Vec<String> = commands.iter().map(request::command_name).collect();
    let scripted = commands.iter().any(scripts::runs_a_script);
    let call = gateway.redis.pipeline(&commands, atomic);
    let result = with_timeout(gateway, scripted, call).await;
    let mut outcome = match result {
        Ok(results) => {
            let body = results
                .into_iter()
                .map(|r| match r {
                    Ok(Value::ServerError(err)) => {
                        reply::error_envelope(reply::error_text(&err.into()))
                    }
                    Ok(value) => reply::result_envelope(value, encoding),
                    Err(err) => reply::error_envelope(command_error_text(&err)),
                })
                .collect();
            Outcome {
                status: StatusCode::OK,
                body: Json::Array(body),
                commands: Vec::new(),
            }
        }
        Err(failure) => failure.into_outcome(),
    };
    outcome.commands = names;
    outcome
}

/// Why a call failed when it ran out of time.
const TIMED_OUT: &str = "timed out";

/// A Redis call that did not produce a reply.
enum Failure {
    /// Redis answered with an error for the whole call (EXECABORT, wrong arity...).
    Redis(redis::RedisError),
    /// Redis did not answer: down, restarting, or slower than the request timeout.
    Unavailable(&'static str),
}

impl Failure {
    fn into_outcome(self) -> Outcome {
        match self {
            Failure::Redis(err) => Outcome::error(StatusCode::BAD_REQUEST, reply::error_text(&err)),
            Failure::Unavailable(why) => Outcome::error(
                StatusCode::SERVICE_UNAVAILABLE,
                format!("ERR redis unavailable: {why}"),
            ),
        }
    }
}

impl Failure {
    fn of(err: &redis::RedisError) -> Self {
        // A server error has a code (ERR, WRONGTYPE, NOSCRIPT...); anything else is the link.
        if err.code().is_some() {
            Failure::Redis(err.clone())
        } else if err.is_timeout() {
            Failure::Unavailable(TIMED_OUT)
        } else {
            Failure::Unavailable("connection failed")
        }
    }
}

/// Runs `call` within the request's deadline. A call that ran a script and timed out (by the
/// deadline, or by the Redis client's own response timeout, which is the same length) may be
/// holding Redis (a script blocks every client while it runs), so the script is killed, in
/// the background: the client gets its 503 at the deadline either way.
async fn with_timeout<T>(
    gateway: &Gateway,
    scripted: bool,
    call: impl std::future::Future<Output = redis::RedisResult<T>>,
) -> Result<T, Failure> {
    let result = match tokio::time::timeout(gateway.request_timeout, call).await {
        Err(_) => Err(Failure::Unavailable(TIMED_OUT)),
        Ok(Err(err)) => Err(Failure::of(&err)),
        Ok(Ok(value)) => Ok(value),
    };
    if scripted && matches!(result, Err(Failure::Unavailable(TIMED_OUT))) {
        let redis = Arc::clone(&gateway.redis);
        tokio::spawn(async move { redis.kill_running_script().await });
    }
    result
}

/// One command's error inside a batch. On a Redis Cluster one node can be down while the
/// others answer: its commands say so in the words of a whole call's 503, which clients (ours)
/// read as "unavailable", not as a command's failure.
fn command_error_text(err: &redis::RedisError) -> String {
    match Failure::of(err) {
        Failure::Unavailable(why) => format!("ERR redis unavailable: {why}"),
        Failure::Redis(_) => reply::error_text(err),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderMap;
    use axum::http::HeaderValue;

    #[test]
    fn auth_accepts_the_bearer_header_or_the_token_parameter_only_when_equal() {
        let mut headers = HeaderMap::new();
        assert!(!authorized("s3cret", &headers, None));
        assert!(authorized("s3cret", &headers, Some("_token=s3cret")));
        assert!(!authorized("s3cret", &headers, Some("_token=s3cre")));
        headers.insert(
            header::AUTHORIZATION,
            HeaderValue::from_static("Bearer s3cret"),
        );
        assert!(authorized("s3cret", &headers, None));
        headers.insert(
            header::AUTHORIZATION,
            HeaderValue::from_static("Basic s3cret"),
        );
        assert!(!authorized("s3cret", &headers, None));
        headers.insert(
            header::AUTHORIZATION,
            HeaderValue::from_static("Bearer s3creT"),
        );
        assert!(!authorized("s3cret", &headers, None));
    }

    #[test]
    fn the_log_route_of_the_path_form_hides_its_arguments() {
        assert_eq!(route_label("/pipeline"), "/pipeline");
        assert_eq!(route_label("/SET/secret-key/secret-value"), "/set/...");
    }
}
