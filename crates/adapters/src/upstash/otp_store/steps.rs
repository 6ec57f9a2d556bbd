//! The steps the store sends: one script call each, all of one slot, several in one pipeline.
//!
//! A call names its script by SHA-1 (`EVALSHA`): a send's pipeline carries four or five
//! scripts, about 21 KB of Lua, which every send would otherwise serialise, send and have Redis
//! hash again. Redis forgets scripts on a restart, and each node of a cluster has its own, so a
//! step answered `NOSCRIPT` (it did not run) is sent again with its source (`EVAL`), which also
//! teaches that node the script.

use super::super::script_reply::backend;
use super::super::{RedisError, Reply, UpstashRedis};
use super::scripts::REFUND;
use super::Record;
use auth_core::ports::BackendError;
use auth_core::ports::IssueRequest;
use std::sync::OnceLock;

/// A Lua script and its SHA-1, computed on first use.
pub(super) struct Script {
    source: &'static str,
    sha: OnceLock<String>,
}

impl Script {
    pub(super) const fn new(source: &'static str) -> Self {
        Self {
            source,
            sha: OnceLock::new(),
        }
    }

    pub(super) fn sha(&self) -> &str {
        self.sha
            .get_or_init(|| sha1_smol::Sha1::from(self.source).digest().to_string())
    }
}

/// One script call.
pub(super) struct Eval {
    script: &'static Script,
    keys: Vec<String>,
    args: Vec<String>,
}

impl Eval {
    pub(super) fn new(script: &'static Script, keys: Vec<String>, args: Vec<String>) -> Self {
        Self { script, keys, args }
    }

    /// Hands back a send's count in a counter (`send_refund.lua`). The script's other keys
    /// repeat it (all its keys must be of one slot).
    pub(super) fn refund_counter(counter: String) -> Self {
        Self::new(
            &REFUND,
            vec![counter.clone(), counter.clone(), counter],
            vec!["1".to_owned(), String::new(), "0".to_owned()],
        )
    }

    /// Hands back a send's count in a risk record, by its source, and in the `counter` of the
    /// record's tag when one counted it too (the calling code's budget).
    pub(super) fn refund_record(
        record: &Record,
        counter: Option<String>,
        r: &IssueRequest<'_>,
    ) -> Self {
        let policy = &r.settings.risk.counters;
        let sources = record.sources(r.caller.now, policy.window_secs);
        let take_counter = if counter.is_some() { "1" } else { "0" };
        Self::new(
            &REFUND,
            vec![
                counter.unwrap_or_else(|| record.key.clone()),
                record.key.clone(),
                sources,
            ],
            vec![
                take_counter.to_owned(),
                format!("s:{}", record.source),
                policy.source_cap.to_string(),
            ],
        )
    }

    /// The call with the script's source, as a whole command of its own (for a pipeline that
    /// is not this module's, where a `NOSCRIPT` could not be retried).
    pub(super) fn with_source(&self) -> Vec<String> {
        self.words(true).into_iter().map(str::to_owned).collect()
    }

    /// The call by SHA-1, or with the script's source.
    fn words(&self, with_source: bool) -> Vec<&str> {
        let mut words = Vec::with_capacity(3 + self.keys.len() + self.args.len());
        if with_source {
            words.extend(["EVAL", self.script.source]);
        } else {
            words.extend(["EVALSHA", self.script.sha()]);
        }
        words.push(NUMKEYS[self.keys.len()]);
        words.extend(self.keys.iter().map(String::as_str));
        words.extend(self.args.iter().map(String::as_str));
        words
    }
}

/// Key counts as the EVAL argument (no script here has more than seven keys).
const NUMKEYS: [&str; 8] = ["0", "1", "2", "3", "4", "5", "6", "7"];

/// Runs the steps in one pipeline (one round trip; a second for the steps of a script the
/// node did not know): each step's own reply, in order. A step that failed has its error (a
/// cluster node down, say) while the others have their replies.
pub(super) async fn run_all(
    redis: &UpstashRedis,
    steps: &[Eval],
) -> Result<Vec<Result<Reply, RedisError>>, BackendError> {
    Ok(run_after(redis, &[], steps).await?.1)
}

/// Plain `commands`, then the `steps`, in one pipeline: the commands' replies and the steps'.
/// Only a step answered `NOSCRIPT` is sent again (with its source); a command never is.
pub(super) async fn run_after(
    redis: &UpstashRedis,
    commands: &[Vec<&str>],
    steps: &[Eval],
) -> Result<(Replies, Replies), BackendError> {
    let mut words: Vec<Vec<&str>> = commands.to_vec();
    words.extend(steps.iter().map(|s| s.words(false)));
    let mut replies = redis.pipeline(&words).await.map_err(backend)?;
    if replies.len() != words.len() {
        return Err(BackendError::Failed(format!(
            "the pipeline of {} answered {}",
            words.len(),
            replies.len()
        )));
    }
    let mut answered = replies.split_off(commands.len());
    let unknown: Vec<usize> = (0..answered.len())
        .filter(
            |&i| matches!(&answered[i], Err(RedisError::Command(m)) if m.starts_with("NOSCRIPT")),
        )
        .collect();
    if !unknown.is_empty() {
        let with_source: Vec<Vec<&str>> = unknown.iter().map(|&i| steps[i].words(true)).collect();
        let again = redis.pipeline(&with_source).await.map_err(backend)?;
        for (i, reply) in unknown.into_iter().zip(again) {
            answered[i] = reply;
        }
    }
    Ok((replies, answered))
}

/// Each command's or step's own reply, in order.
pub(super) type Replies = Vec<Result<Reply, RedisError>>;

/// Runs one step alone; its reply.
pub(super) async fn run_single(redis: &UpstashRedis, step: &Eval) -> Result<Reply, BackendError> {
    let replies = run_all(redis, std::slice::from_ref(step)).await?;
    let reply = replies
        .into_iter()
        .next()
        .ok_or_else(|| BackendError::Failed("the pipeline answered nothing".to_owned()))?;
    reply.map_err(backend)
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
