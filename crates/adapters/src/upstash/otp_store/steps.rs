//! The steps the store sends: one EVAL each, all of one slot, several in one pipeline.

use super::super::script_reply::backend;
use super::super::{RedisError, Reply, UpstashRedis};
use auth_core::ports::BackendError;

const REFUND: &str = include_str!("../scripts/send_refund.lua");

/// One script call.
pub(super) struct Eval {
    script: &'static str,
    keys: Vec<String>,
    args: Vec<String>,
}

impl Eval {
    pub(super) fn new(script: &'static str, keys: Vec<String>, args: Vec<String>) -> Self {
        Self { script, keys, args }
    }

    /// Hands back a send's count (`send_refund.lua`): the counter's and/or the record's. A
    /// scope with one key names it twice (the script's two keys must be of one slot).
    pub(super) fn refund(key: String, counter: bool, record: bool) -> Self {
        let flag = |on: bool| if on { "1" } else { "0" }.to_owned();
        Self::new(
            REFUND,
            vec![key.clone(), key],
            vec![flag(counter), flag(record)],
        )
    }

    /// The same, for a scope of a counter and a record under one tag.
    pub(super) fn refund_both(counter: String, record: String) -> Self {
        Self::new(
            REFUND,
            vec![counter, record],
            vec!["1".to_owned(), "1".to_owned()],
        )
    }

    pub(super) fn words(&self) -> Vec<&str> {
        let mut words = Vec::with_capacity(3 + self.keys.len() + self.args.len());
        words.extend(["EVAL", self.script]);
        words.push(NUMKEYS[self.keys.len()]);
        words.extend(self.keys.iter().map(String::as_str));
        words.extend(self.args.iter().map(String::as_str));
        words
    }
}

/// Key counts as the EVAL argument (no script here has more than six keys).
const NUMKEYS: [&str; 7] = ["0", "1", "2", "3", "4", "5", "6"];

/// Runs the steps in one pipeline (one round trip): each step's own reply, in order. A step
/// that failed has its error (a cluster node down, say) while the others have their replies.
pub(super) async fn run_all(
    redis: &UpstashRedis,
    steps: &[Eval],
) -> Result<Vec<Result<Reply, RedisError>>, BackendError> {
    let commands: Vec<Vec<&str>> = steps.iter().map(Eval::words).collect();
    redis.pipeline(&commands).await.map_err(backend)
}

/// Runs one step alone and answers the items of its array reply.
pub(super) async fn run_one(redis: &UpstashRedis, step: &Eval) -> Result<Vec<Reply>, BackendError> {
    items(redis.command(&step.words()).await.map_err(backend)?)
}

/// The items of a script's array reply.
pub(super) fn items(reply: Reply) -> Result<Vec<Reply>, BackendError> {
    match reply {
        Reply::Array(items) => Ok(items),
        other => Err(BackendError::Failed(format!(
            "unexpected script reply {other}"
        ))),
    }
}
