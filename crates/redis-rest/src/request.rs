//! Requests of the Upstash REST protocol, turned into Redis commands.
//!
//! Three forms carry a command:
//! - `POST /` with a JSON array body: `["SET", "k", "v", "EX", 60]`;
//! - `POST /pipeline` and `POST /multi-exec` with an array of such arrays;
//! - the command in the path: `GET /set/k/v?EX=60`, or `POST /set/k` with the value as the body.

use percent_encoding::percent_decode_str;
use serde_json::Value;

/// One Redis command: the name first, then its arguments, as raw bytes.
pub type Command = Vec<Vec<u8>>;

/// Why a request carries no runnable command. The messages follow Redis' `ERR ...` style, as
/// Upstash's do, because clients show them to developers as Redis errors.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RequestError {
    #[error("ERR failed to parse command: {0}")]
    BadJson(String),
    #[error("ERR command must be a JSON array of strings and numbers")]
    NotACommand,
    #[error("ERR pipeline must be a JSON array of commands")]
    NotABatch,
    #[error("ERR empty command")]
    EmptyCommand,
    #[error("ERR empty pipeline")]
    EmptyBatch,
    #[error("ERR argument {0} must be a string or a number")]
    BadArgument(usize),
    #[error("ERR command is not allowed through the REST API: {0}")]
    NotAllowed(String),
    #[error("ERR script is not allowed through the REST API: {0} of a script whose SHA-1 is not on REDIS_REST_SCRIPTS")]
    ScriptNotAllowed(String),
    #[error("ERR {0} walks one node's keys of a Redis Cluster; the gateway serves it on a single Redis only")]
    NotOnCluster(String),
}

/// Parses `POST /`'s body: one command.
pub fn parse_command(body: &[u8]) -> Result<Command, RequestError> {
    command_from_json(&parse_json(body)?)
}

/// Parses `POST /pipeline`'s and `POST /multi-exec`'s body: one or more commands.
pub fn parse_batch(body: &[u8]) -> Result<Vec<Command>, RequestError> {
    let Value::Array(items) = parse_json(body)? else {
        return Err(RequestError::NotABatch);
    };
    if items.is_empty() {
        return Err(RequestError::EmptyBatch);
    }
    items.iter().map(command_from_json).collect()
}

/// Builds a command from the path form: each path segment is one argument (percent-decoded),
/// each query parameter but `_token` adds its name and (if any) its value, and a non-empty
/// body is the last argument.
pub fn command_from_path(
    path: &str,
    query: Option<&str>,
    body: &[u8],
) -> Result<Command, RequestError> {
    let mut command: Command = path
        .split('/')
        .filter(|segment| !segment.is_empty())
        .map(|segment| percent_decode_str(segment).collect::<Vec<u8>>())
        .collect();
    if command.is_empty() {
        return Err(RequestError::EmptyCommand);
    }
    for (name, value) in query_pairs(query) {
        if name == b"_token" {
            continue;
        }
        command.push(name);
        if !value.is_empty() {
            command.push(value);
        }
    }
    if !body.is_empty() {
        command.push(body.to_vec());
    }
    Ok(command)
}

/// The command's name, upper-cased, for the access log and the allow check. Never an argument:
/// arguments can be secrets.
pub fn command_name(command: &Command) -> String {
    command
        .first()
        .map(|n| String::from_utf8_lossy(n).to_ascii_uppercase())
        .unwrap_or_default()
}

/// The query string's pairs, percent-decoded (`+` is a space, as in forms).
pub fn query_pairs(query: Option<&str>) -> Vec<(Vec<u8>, Vec<u8>)> {
    let decode = |s: &str| percent_decode_str(&s.replace('+', " ")).collect::<Vec<u8>>();
    query
        .unwrap_or("")
        .split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
            (decode(name), decode(value))
        })
        .collect()
}

fn parse_json(body: &[u8]) -> Result<Value, RequestError> {
    serde_json::from_slice(body).map_err(|e| RequestError::BadJson(e.to_string()))
}

fn command_from_json(value: &Value) -> Result<Command, RequestError> {
    let Value::Array(args) = value else {
        return Err(RequestError::NotACommand);
    };
    if args.is_empty() {
        return Err(RequestError::EmptyCommand);
    }
    args.iter()
        .enumerate()
        .map(|(i, arg)| match arg {
            Value::String(s) => Ok(s.as_bytes().to_vec()),
            // Numbers go to Redis as their JSON spelling: 60 -> "60", 1.5 -> "1.5".
            Value::Number(n) => Ok(n.to_string().into_bytes()),
            _ => Err(RequestError::BadArgument(i)),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(command: &Command) -> Vec<String> {
        command
            .iter()
            .map(|a| String::from_utf8(a.clone()).unwrap())
            .collect()
    }

    #[test]
    fn a_json_array_is_one_command_and_numbers_become_their_spelling() {
        let c = parse_command(br#"["SET","k","v","EX",60]"#).unwrap();
        assert_eq!(strings(&c), ["SET", "k", "v", "EX", "60"]);
    }

    #[test]
    fn malformed_commands_are_rejected_with_redis_style_errors() {
        assert!(matches!(
            parse_command(b"{not json"),
            Err(RequestError::BadJson(_))
        ));
        assert_eq!(
            parse_command(br#"{"cmd":"GET"}"#),
            Err(RequestError::NotACommand)
        );
        assert_eq!(parse_command(b"[]"), Err(RequestError::EmptyCommand));
        assert_eq!(
            parse_command(br#"["SET","k",{"a":1}]"#),
            Err(RequestError::BadArgument(2))
        );
        assert_eq!(
            parse_command(br#"["SET","k",null]"#),
            Err(RequestError::BadArgument(2))
        );
        assert!(RequestError::EmptyCommand.to_string().starts_with("ERR "));
    }

    #[test]
    fn a_batch_is_an_array_of_commands() {
        let batch = parse_batch(br#"[["INCR","a"],["GET","a"]]"#).unwrap();
        assert_eq!(batch.len(), 2);
        assert_eq!(
            parse_batch(br#"["INCR","a"]"#),
            Err(RequestError::NotACommand)
        );
        assert_eq!(parse_batch(b"[]"), Err(RequestError::EmptyBatch));
        assert_eq!(parse_batch(br#"{"a":1}"#), Err(RequestError::NotABatch));
    }

    #[test]
    fn the_path_form_decodes_segments_query_and_body() {
        let c =
            command_from_path("/set/my%20key/v%2F1", Some("EX=100&_token=secret&NX"), b"").unwrap();
        assert_eq!(strings(&c), ["set", "my key", "v/1", "EX", "100", "NX"]);
        let c = command_from_path("/set/k", None, b"body value").unwrap();
        assert_eq!(strings(&c), ["set", "k", "body value"]);
        assert_eq!(
            command_from_path("/", None, b""),
            Err(RequestError::EmptyCommand)
        );
    }
}
