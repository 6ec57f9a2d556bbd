//! Redis replies as the protocol's JSON: `{"result": ...}` or `{"error": "..."}`.
//!
//! With `Upstash-Encoding: base64` every string in a result is base64 of its bytes, except the
//! status reply `OK`, which clients expect verbatim. That makes binary values safe in JSON.

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use redis::Value;
use serde_json::{json, Value as Json};

/// How strings in results are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    Plain,
    Base64,
}

/// The error text of a Redis error in its wire form: `"WRONGTYPE Operation against a key ..."`.
/// Connection-level failures never get here; see `server`.
pub fn error_text(err: &redis::RedisError) -> String {
    match (err.code(), err.detail()) {
        (Some(code), Some(detail)) => format!("{code} {detail}"),
        (Some("EXECABORT"), None) => {
            "EXECABORT Transaction discarded because of previous errors.".to_owned()
        }
        (Some(code), None) => code.to_owned(),
        _ => format!("ERR {}", err.category()),
    }
}

/// One reply as a JSON value.
pub fn to_json(value: Value, encoding: Encoding) -> Json {
    let string = |bytes: Vec<u8>| match encoding {
        Encoding::Plain => Json::String(String::from_utf8_lossy(&bytes).into_owned()),
        Encoding::Base64 => Json::String(STANDARD.encode(bytes)),
    };
    match value {
        Value::Nil => Json::Null,
        Value::Int(n) => json!(n),
        Value::BulkString(bytes) => string(bytes),
        Value::Okay => json!("OK"),
        Value::SimpleString(s) if s == "OK" => json!("OK"),
        Value::SimpleString(s) => string(s.into_bytes()),
        Value::Array(items) | Value::Set(items) | Value::Push { data: items, .. } => {
            Json::Array(items.into_iter().map(|v| to_json(v, encoding)).collect())
        }
        // RESP2 clients see maps as flat arrays; the protocol keeps that shape.
        Value::Map(pairs) => Json::Array(
            pairs
                .into_iter()
                .flat_map(|(k, v)| [to_json(k, encoding), to_json(v, encoding)])
                .collect(),
        ),
        Value::Attribute { data, .. } => to_json(*data, encoding),
        Value::Double(d) => json!(d),
        Value::Boolean(b) => json!(if b { 1 } else { 0 }),
        Value::VerbatimString { text, .. } => string(text.into_bytes()),
        Value::BigNumber(n) => json!(String::from_utf8_lossy(&n)),
        Value::ServerError(err) => {
            let text = match err.details() {
                Some(detail) => format!("{} {detail}", err.code()),
                None => err.code().to_owned(),
            };
            json!(text)
        }
        // `Value` is non-exhaustive across redis versions: say so rather than guess.
        #[allow(unreachable_patterns)]
        _ => Json::Null,
    }
}

/// `{"result": ...}`.
pub fn result_envelope(value: Value, encoding: Encoding) -> Json {
    json!({ "result": to_json(value, encoding) })
}

/// `{"error": "..."}`.
pub fn error_envelope(message: impl Into<String>) -> Json {
    json!({ "error": message.into() })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_replies_map_to_json() {
        assert_eq!(to_json(Value::Nil, Encoding::Plain), Json::Null);
        assert_eq!(to_json(Value::Int(-3), Encoding::Plain), json!(-3));
        assert_eq!(to_json(Value::Okay, Encoding::Plain), json!("OK"));
        assert_eq!(
            to_json(Value::BulkString(b"hi".to_vec()), Encoding::Plain),
            json!("hi")
        );
        let nested = Value::Array(vec![
            Value::Int(1),
            Value::Array(vec![Value::BulkString(b"x".to_vec())]),
        ]);
        assert_eq!(to_json(nested, Encoding::Plain), json!([1, ["x"]]));
    }

    #[test]
    fn base64_mode_encodes_every_string_but_ok() {
        assert_eq!(to_json(Value::Okay, Encoding::Base64), json!("OK"));
        assert_eq!(
            to_json(Value::SimpleString("OK".into()), Encoding::Base64),
            json!("OK")
        );
        assert_eq!(
            to_json(Value::SimpleString("PONG".into()), Encoding::Base64),
            json!("UE9ORw==")
        );
        assert_eq!(
            to_json(Value::BulkString(vec![0xff, 0x00]), Encoding::Base64),
            json!("/wA=")
        );
        assert_eq!(to_json(Value::Int(5), Encoding::Base64), json!(5));
        let arr = Value::Array(vec![Value::BulkString(b"a".to_vec()), Value::Nil]);
        assert_eq!(to_json(arr, Encoding::Base64), json!(["YQ==", null]));
    }

    #[test]
    fn maps_flatten_to_pairs() {
        let map = Value::Map(vec![(Value::BulkString(b"f".to_vec()), Value::Int(1))]);
        assert_eq!(to_json(map, Encoding::Plain), json!(["f", 1]));
    }
}
