//! The JSON request bodies of the contract, and how bytes from a client become one. The worker
//! reads the bytes (refusing a declared length over the limit before reading); everything after
//! that is here, so it can be fuzzed natively.

use crate::http::error::{ErrorBody, ErrorCode};
use serde::de::DeserializeOwned;
use serde::Deserialize;

/// The contract's body limit.
pub const MAX_BODY_BYTES: usize = 16 * 1024;

#[derive(Debug, Deserialize)]
pub struct SendOtpBody {
    pub phone_number: String,
    #[serde(default)]
    pub session_id: Option<String>,
    /// The SMS's language (`es`, `pt-BR`); `Accept-Language` when absent.
    #[serde(default)]
    pub locale: Option<String>,
    /// `sms` (the default), `whatsapp` or `voice`, among those the deployment offers.
    #[serde(default)]
    pub channel: Option<String>,
    /// A bot check's token (Cloudflare Turnstile); the `cf-turnstile-response` header also
    /// carries one.
    #[serde(default)]
    pub captcha_token: Option<String>,
}

/// `POST /api/v1/users/{id}/scope`.
#[derive(Debug, Deserialize)]
pub struct ScopeBody {
    pub scope: String,
}

#[derive(Debug, Deserialize)]
pub struct LoginBody {
    pub phone_number: String,
    pub otp: String,
    #[serde(default)]
    pub session_id: Option<String>,
}

/// Every field may come from a cookie instead, so every field is optional.
#[derive(Debug, Deserialize, Default)]
pub struct RefreshBody {
    #[serde(default)]
    pub refresh_token: Option<String>,
    #[serde(default)]
    pub session_id: Option<String>,
}

#[derive(Debug, Deserialize, Default)]
pub struct LogoutBody {
    #[serde(default)]
    pub refresh_token: Option<String>,
    #[serde(default)]
    pub scope: Option<String>,
}

/// Parses a body of at most [`MAX_BODY_BYTES`]. Malformed JSON, a non-object or a field of the
/// wrong type is `INVALID_REQUEST` with the parser's reason (a missing field's name, or the
/// position; never the value sent).
pub fn parse<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ErrorBody> {
    if bytes.len() > MAX_BODY_BYTES {
        return Err(too_large());
    }
    serde_json::from_slice(bytes).map_err(|e| {
        let reason = match e.classify() {
            serde_json::error::Category::Data => {
                format!("wrong or missing field: {}", without_values(&e.to_string()))
            }
            _ => format!("malformed JSON at line {} column {}", e.line(), e.column()),
        };
        ErrorBody::new(ErrorCode::InvalidRequest, "invalid request body").with_details(reason)
    })
}

/// serde_json quotes the offending value: in backticks for numbers and booleans (`invalid
/// type: integer `123456``) and in double quotes for strings (`invalid type: string "123456"`),
/// so a code sent in the wrong shape would come back in the answer. Field names are quoted in
/// backticks too, so only quotes that follow a value's kind are dropped.
fn without_values(message: &str) -> String {
    const KINDS: [&str; 7] = [
        "integer ",
        "string ",
        "floating point ",
        "boolean ",
        "value: ",
        "character ",
        "bytes ",
    ];
    let mut out = String::with_capacity(message.len());
    let mut rest = message;
    while let Some(open) = rest.find(['`', '"']) {
        let (before, quote) = (&rest[..open], rest.as_bytes()[open]);
        out.push_str(before);
        // The closing quote: the next unescaped one of the same kind.
        let body = &rest[open + 1..];
        let mut close = None;
        let mut escaped = false;
        for (i, c) in body.char_indices() {
            match c {
                '\\' if quote == b'"' && !escaped => escaped = true,
                c if c as u32 == u32::from(quote) && !escaped => {
                    close = Some(i);
                    break;
                }
                _ => escaped = false,
            }
        }
        let Some(close) = close else {
            // Unterminated: hide the rest rather than risk echoing it.
            out.push_str("(value hidden)");
            return out;
        };
        let quoted = &rest[open..open + close + 2];
        let is_value = KINDS.iter().any(|kind| before.ends_with(kind));
        out.push_str(if is_value { "(value hidden)" } else { quoted });
        rest = &rest[open + close + 2..];
    }
    out.push_str(rest);
    out
}

/// A body collected chunk by chunk, refused as soon as it passes the cap: a body sent without a
/// `Content-Length` (chunked) is read up to the cap and no further.
#[derive(Debug, Default)]
pub struct CappedBody {
    bytes: Vec<u8>,
}

impl CappedBody {
    pub fn push(&mut self, chunk: &[u8]) -> Result<(), ErrorBody> {
        if self.bytes.len() + chunk.len() > MAX_BODY_BYTES {
            return Err(too_large());
        }
        self.bytes.extend_from_slice(chunk);
        Ok(())
    }

    pub fn into_bytes(self) -> Vec<u8> {
        self.bytes
    }
}

pub fn too_large() -> ErrorBody {
    ErrorBody::new(ErrorCode::PayloadTooLarge, "request body too large")
        .with_details(format!("the limit is {MAX_BODY_BYTES} bytes"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_capped_body_takes_chunks_up_to_the_cap_and_refuses_the_one_past_it() {
        let mut body = CappedBody::default();
        for _ in 0..4 {
            body.push(&[b' '; 4096]).unwrap();
        }
        let refused = body.push(b"x").unwrap_err();
        assert_eq!(refused.code, ErrorCode::PayloadTooLarge);
        assert_eq!(
            body.into_bytes().len(),
            MAX_BODY_BYTES,
            "nothing past the cap"
        );
    }

    #[test]
    fn bodies_parse_and_refusals_name_the_problem_without_echoing_values() {
        let login: LoginBody = parse(br#"{"phone_number":"+14155552671","otp":"123456"}"#).unwrap();
        assert_eq!((login.otp.as_str(), login.session_id), ("123456", None));
        let missing = parse::<LoginBody>(br#"{"phone_number":"+14155552671"}"#).unwrap_err();
        assert!(missing.details.as_deref().unwrap().contains("otp"));
        let wrong = parse::<SendOtpBody>(br#"{"phone_number":"secret-987654"}"#);
        assert!(
            wrong.is_ok(),
            "a string is a string; the phone parser judges it"
        );
        for body in [
            &br#""987654""#[..],
            br#""98\"7654""#,
            br#"{"phone_number":987654}"#,
            br#"{"phone_number":"+1","otp":987654}"#,
            br#"{"phone_number":"+1","otp":9876.54}"#,
            br#"{"phone_number":"+1","otp":"1","session_id":987654}"#,
        ] {
            let details = parse::<LoginBody>(body).unwrap_err().details.unwrap();
            assert!(!details.contains("9876"), "{details}");
            assert!(details.contains("(value hidden)"), "{details}");
        }
        let unknown =
            parse::<LoginBody>(br#"{"phone_number":"+1","otp":"1","session_id":{}}"#).unwrap_err();
        assert!(unknown.details.unwrap().contains("column"));
        let big = vec![b' '; MAX_BODY_BYTES + 1];
        assert_eq!(
            parse::<RefreshBody>(&big).unwrap_err().code,
            ErrorCode::PayloadTooLarge
        );
    }
}
