//! Replies of the REST protocol: `{"result": ...}` or `{"error": "..."}`.

use serde::Deserialize;

/// One Redis reply as the REST protocol encodes it: strings, integers, null and nested arrays.
pub type Reply = serde_json::Value;

/// The body of one command's answer, alone or as an element of a pipeline answer.
#[derive(Debug, Deserialize)]
pub(crate) struct Envelope {
    #[serde(default)]
    pub result: Option<Reply>,
    #[serde(default)]
    pub error: Option<String>,
}

impl Envelope {
    /// `Ok(result)` unless the envelope carries an error. A missing `result` is Redis' nil.
    pub fn into_result(self) -> Result<Reply, String> {
        match self.error {
            Some(message) => Err(message),
            None => Ok(self.result.unwrap_or(Reply::Null)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Reply, String> {
        serde_json::from_str::<Envelope>(text)
            .unwrap()
            .into_result()
    }

    #[test]
    fn results_errors_and_nil_decode() {
        assert_eq!(parse(r#"{"result":"OK"}"#), Ok(Reply::from("OK")));
        assert_eq!(parse(r#"{"result":7}"#), Ok(Reply::from(7)));
        assert_eq!(parse(r#"{"result":null}"#), Ok(Reply::Null));
        assert_eq!(
            parse(r#"{"error":"ERR wrong type"}"#),
            Err("ERR wrong type".to_owned())
        );
        assert_eq!(parse(r#"{"result":["a",1,null]}"#).unwrap()[1], 1);
    }
}
