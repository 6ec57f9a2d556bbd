//! A send: the phone's step (`send_phone.lua`) and the shared scopes' steps (`send_scope.lua`:
//! the client's address, the calling code, the service, the network), each a script in its own
//! slot, all in one pipeline; their answers ranked as the limits rank; and, when the send is
//! refused, whatever the other steps counted handed back in a second pipeline. So a refused
//! send counts nowhere once it is answered, and an issued one everywhere. While a refusal's
//! hand-back is on its way, the counts it gives back are briefly too high (a concurrent send can
//! be refused early) and a replaced code is briefly away; no step ever counts past its limit.

mod hand_back;
mod verdict;

use super::super::script_reply::{action_name, backend, flag};
use super::scripts::{PHONE, SCOPE};
use super::steps::{items, run_all, Eval};
use super::UpstashOtpStore;
use auth_core::ports::{BackendError, Counted, IssueOutcome, IssueRequest};
use auth_core::risk::Action;
use verdict::{decide, scope_reply, Answers};

/// How long the phone's step keeps what it replaced, for an undo that follows within the
/// request (its deadline is seconds).
const UNDO_RECORD_SECS: &str = "60";

/// The keys of one send's steps, kept for the hand-back.
struct Keys {
    phone: [String; 6],
    address: String,
    country: [String; 2],
    global: String,
    network: Option<String>,
}

pub(super) async fn issue(
    store: &UpstashOtpStore<'_>,
    r: &IssueRequest<'_>,
) -> Result<Counted<IssueOutcome>, BackendError> {
    let s = r.settings;
    let cc = r.phone.calling_code();
    let [cc_record, asn_record] = store.risk_keys(r.phone, &r.caller);
    let phone_key = |suffix: &str| store.phone_key(r.phone, suffix);
    let keys = Keys {
        phone: [
            phone_key(""),
            phone_key(":cooldown"),
            phone_key(":window"),
            phone_key(":day"),
            phone_key(":lock"),
            phone_key(":undo"),
        ],
        address: store.ip_key(r.client_ip, ":send"),
        country: [store.budget_key(&format!("cc{cc}")), cc_record],
        global: store.budget_key("global"),
        network: r.caller.asn.map(|_| asn_record),
    };
    let counters = &s.risk.counters;
    let action = |a| action_name(s.captcha.counter_action(a)).to_owned();
    // send_scope.lua's arguments: the counter (limit, window), then the risk record.
    let scope = |limit: Option<u32>, window: u32, record: Option<(&str, u32, Action)>| {
        let (breaker, volume, volume_action) = match record {
            Some((reason, volume, volume_action)) => {
                (reason, volume, action_name(volume_action).to_owned())
            }
            None => ("none", 0, "allow".to_owned()),
        };
        vec![
            limit.map_or("-1".to_owned(), |l| l.to_string()),
            window.to_string(),
            r.caller.now.to_string(),
            if record.is_some() {
                counters.window_secs
            } else {
                0
            }
            .to_string(),
            counters.breaker_min_sends.to_string(),
            counters.breaker_min_conversion_percent.to_string(),
            counters.breaker_cooloff_secs.to_string(),
            action(counters.breaker),
            volume.to_string(),
            volume_action,
            flag(r.caller.human),
            breaker.to_owned(),
        ]
    };
    let asn_volume = s.captcha.counter_action(counters.asn_volume);
    let mut steps = vec![
        Eval::new(
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
        ),
        Eval::new(
            &SCOPE,
            vec![keys.address.clone(), keys.address.clone()],
            scope(Some(s.ip_sends_per_window), s.ip_send_window_secs, None),
        ),
        Eval::new(
            &SCOPE,
            keys.country.to_vec(),
            scope(
                Some(s.country_budget(cc)),
                s.country_send_window_secs,
                Some(("calling_code_breaker", 0, Action::Allow)),
            ),
        ),
        Eval::new(
            &SCOPE,
            vec![keys.global.clone(), keys.global.clone()],
            scope(
                Some(s.global_sends_per_window),
                s.global_send_window_secs,
                None,
            ),
        ),
    ];
    if let Some(record) = &keys.network {
        steps.push(Eval::new(
            &SCOPE,
            vec![record.clone(), record.clone()],
            scope(
                None,
                0,
                Some(("asn_breaker", counters.asn_sends_per_window, asn_volume)),
            ),
        ));
    }
    let mut replies = run_all(store.redis(), &steps).await?.into_iter();
    let phone = replies.next().map(|r| r.map_err(backend).and_then(items));
    let mut scope_of = || {
        replies
            .next()
            .map(|r| r.map_err(backend).and_then(scope_reply))
    };
    let (address, country, global) = (scope_of(), scope_of(), scope_of());
    let network = keys.network.as_ref().and_then(|_| scope_of());
    let (Some(phone), Some(address), Some(country), Some(global)) =
        (phone, address, country, global)
    else {
        return Err(BackendError::Failed(
            "the pipeline answered too few steps".into(),
        ));
    };
    if keys.network.is_some() && network.is_none() {
        return Err(BackendError::Failed(
            "the pipeline answered too few steps".into(),
        ));
    }
    let steps = Answers {
        phone,
        address,
        country,
        global,
        network,
    };
    let decided = decide(&steps, s);
    let refused = !matches!(
        decided,
        Ok(Counted {
            outcome: IssueOutcome::Issued,
            ..
        })
    );
    if refused {
        hand_back::hand_back(store, &keys, &steps, r, counters.breaker_cooloff_secs).await?;
    }
    decided
}
