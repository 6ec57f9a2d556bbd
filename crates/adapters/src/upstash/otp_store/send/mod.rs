//! A send: the phone's step (`send_phone.lua`) and the shared scopes' steps (`send_scope.lua`:
//! the client's address, the calling code, the service, the network), each a script in its own
//! slot, all in one pipeline; their answers ranked as the limits rank and the risk signals
//! judged (`verdict.rs`); and, when the send does not go ahead, whatever the steps counted
//! handed back in a second pipeline (`settle.rs`). So a refused send counts nowhere once it is
//! answered, and an issued one everywhere. While a refusal's hand-back is on its way, the
//! counts it gives back are briefly too high (a concurrent send can be refused early) and a
//! replaced code is briefly away; no step ever counts past its limit.

mod settle;
mod verdict;

use super::super::script_reply::backend;
use super::scripts::{PHONE, SCOPE};
use super::steps::{run_all, Eval};
use super::{Record, UpstashOtpStore};
use auth_core::ports::{BackendError, Counted, IssueOutcome, IssueRequest};
use verdict::{decide, phone_reply, scope_reply, Answers};

/// How long the phone's step keeps what it replaced, for an undo that follows within the
/// request (its deadline is seconds).
const UNDO_RECORD_SECS: &str = "60";

/// The keys of one send's steps, kept for the hand-back.
struct Keys {
    phone: [String; 7],
    address: String,
    /// The calling code's budget, under its record's tag.
    country: String,
    calling_code: Record,
    global: String,
    network: Option<Record>,
}

pub(super) async fn issue(
    store: &UpstashOtpStore<'_>,
    r: &IssueRequest<'_>,
) -> Result<Counted<IssueOutcome>, BackendError> {
    let cc = r.phone.calling_code();
    let (calling_code, network) = store.risk_records(r.phone, r.client_ip, &r.caller);
    let phone_key = |suffix: &str| store.phone_key(r.phone, suffix);
    let keys = Keys {
        phone: [
            phone_key(""),
            phone_key(":cooldown"),
            phone_key(":window"),
            phone_key(":day"),
            phone_key(":lock"),
            phone_key(":undo"),
            phone_key(":known"),
        ],
        address: store.ip_key(r.client_ip, ":send"),
        country: store.budget_key(&format!("cc{cc}")),
        calling_code,
        global: store.budget_key("global"),
        network,
    };
    let mut replies = run_all(store.redis(), &steps(&keys, r)).await?.into_iter();
    let too_few = || BackendError::Failed("the pipeline answered too few steps".into());
    let phone = replies.next().ok_or_else(too_few)?;
    let mut scope = || {
        replies
            .next()
            .map(|reply| reply.map_err(backend).and_then(scope_reply))
            .ok_or_else(too_few)
    };
    let answers = Answers {
        phone: phone.map_err(backend).and_then(phone_reply),
        address: scope()?,
        country: scope()?,
        global: scope()?,
        network: keys.network.as_ref().map(|_| scope()).transpose()?,
    };
    let decided = decide(&answers, r);
    let goes_ahead = matches!(
        decided,
        Ok(Counted {
            outcome: IssueOutcome::Issued,
            ..
        })
    );
    settle::settle(store, &keys, &answers, goes_ahead, r).await?;
    decided
}

/// The steps of one send: the phone's, then the address's, the calling code's, the service's
/// and the network's.
fn steps(keys: &Keys, r: &IssueRequest<'_>) -> Vec<Eval> {
    let s = r.settings;
    let phone = Eval::new(
        &PHONE,
        keys.phone.to_vec(),
        vec![
            r.mac.to_owned(),
            r.session.as_str().to_owned(),
            s.code_ttl_secs.to_string(),
            s.resend_cooldown_secs.to_string(),
            s.send_window_secs.to_string(),
            s.sends_per_window.to_string(),
            s.sends_per_day.to_string(),
            UNDO_RECORD_SECS.to_owned(),
        ],
    );
    let counter = |key: &String, limit: u32, window: u32| {
        let args = scope_args(Some((limit, window)), None, r);
        Eval::new(&SCOPE, vec![key.clone(), key.clone(), key.clone()], args)
    };
    let record = |counter: Option<(&String, u32, u32)>, record: &Record, volume: u32| {
        let first = counter.map_or(&record.key, |(key, _, _)| key).clone();
        let window = s.risk.counters.window_secs;
        let keys = vec![
            first,
            record.key.clone(),
            record.sources(r.caller.now, window),
        ];
        let args = scope_args(counter.map(|(_, l, w)| (l, w)), Some((record, volume)), r);
        Eval::new(&SCOPE, keys, args)
    };
    let cc = r.phone.calling_code();
    let mut steps = vec![
        phone,
        counter(&keys.address, s.ip_sends_per_window, s.ip_send_window_secs),
        record(
            Some((
                &keys.country,
                s.country_budget(cc),
                s.country_send_window_secs,
            )),
            &keys.calling_code,
            0,
        ),
        counter(
            &keys.global,
            s.global_sends_per_window,
            s.global_send_window_secs,
        ),
    ];
    if let Some(network) = &keys.network {
        steps.push(record(None, network, s.risk.counters.asn_sends_per_window));
    }
    steps
}

/// `send_scope.lua`'s arguments: a counter's limit and window, then a record's settings, the
/// network's volume budget and the caller's source in it.
fn scope_args(
    counter: Option<(u32, u32)>,
    record: Option<(&Record, u32)>,
    r: &IssueRequest<'_>,
) -> Vec<String> {
    let policy = &r.settings.risk.counters;
    let (limit, window) = counter.map_or(("-1".to_owned(), 0), |(l, w)| (l.to_string(), w));
    let (risk_window, volume, source) = match record {
        Some((record, volume)) => (policy.window_secs, volume, format!("s:{}", record.source)),
        None => (0, 0, String::new()),
    };
    vec![
        limit,
        window.to_string(),
        r.caller.now.to_string(),
        risk_window.to_string(),
        policy.breaker_min_sends.to_string(),
        policy.breaker_min_conversion_percent.to_string(),
        policy.breaker_cooloff_secs.to_string(),
        volume.to_string(),
        source,
        policy.source_cap.to_string(),
    ]
}
