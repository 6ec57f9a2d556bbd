//! What a send leaves behind once it is answered. One that does not go ahead (refused,
//! stopped by the risk signals, or failed) hands back what its steps counted: the phone's step
//! undone, the shared scopes' counts returned. Either way, the breakers its steps tripped are
//! recorded for `GET /metrics`. One pipeline, only when there is something to do; a failure
//! here fails the request (the counts stay too high, which only refuses early; the undo's code
//! was never sent).

use super::super::super::script_reply::backend;
use super::super::scripts::{OPEN_BREAKER, UNDO};
use super::super::steps::{run_all, Eval};
use super::super::{open_breakers_key, UpstashOtpStore};
use super::verdict::{Answers, Scope};
use super::Keys;
use auth_core::ports::{BackendError, IssueRequest};

pub(super) async fn settle(
    store: &UpstashOtpStore<'_>,
    keys: &Keys,
    a: &Answers,
    goes_ahead: bool,
    r: &IssueRequest<'_>,
) -> Result<(), BackendError> {
    let mut steps = Vec::new();
    if !goes_ahead {
        hand_back(keys, a, r, &mut steps);
    }
    let cooloff = r.settings.risk.counters.breaker_cooloff_secs;
    let until = (r.caller.now + i64::from(cooloff)).to_string();
    let now = r.caller.now.to_string();
    let mut open = |name: String| {
        steps.push(Eval::new(
            &OPEN_BREAKER,
            vec![open_breakers_key(store.prefix())],
            vec![now.clone(), until.clone(), name],
        ))
    };
    if Scope::tripped(&a.country) {
        open(format!("calling_code:{}", r.phone.calling_code()));
    }
    if a.network.as_ref().is_some_and(Scope::tripped) {
        open(format!("asn:{}", r.caller.asn.unwrap_or(0)));
    }
    if steps.is_empty() {
        return Ok(());
    }
    for reply in run_all(store.redis(), &steps).await? {
        reply.map_err(backend)?;
    }
    Ok(())
}

/// The steps that hand back what a send that did not go ahead counted.
fn hand_back(keys: &Keys, a: &Answers, r: &IssueRequest<'_>, steps: &mut Vec<Eval>) {
    if a.phone.as_ref().is_ok_and(|phone| phone.issued()) {
        let [code, cooldown, window, day, _, undo, _] = keys.phone.clone();
        steps.push(Eval::new(
            &UNDO,
            vec![code, cooldown, window, day, undo],
            vec![r.mac.to_owned()],
        ));
    }
    let counted =
        |answer: &Result<Scope, BackendError>| matches!(answer, Ok(Scope::Counted { .. }));
    if counted(&a.address) {
        steps.push(Eval::refund_counter(keys.address.clone()));
    }
    if counted(&a.country) {
        let budget = Some(keys.country.clone());
        steps.push(Eval::refund_record(&keys.calling_code, budget, r));
    }
    if counted(&a.global) {
        steps.push(Eval::refund_counter(keys.global.clone()));
    }
    if let (Some(answer), Some(network)) = (&a.network, &keys.network) {
        if counted(answer) {
            steps.push(Eval::refund_record(network, None, r));
        }
    }
}
