//! What a refused (or failed) send hands back: the phone's step undone, the shared scopes'
//! counts returned, and the breakers its steps tripped recorded.

use super::super::super::script_reply::{backend, outcome_of};
use super::super::scripts::{OPEN_BREAKER, UNDO};
use super::super::steps::{run_all, Eval};
use super::super::{open_breakers_key, UpstashOtpStore};
use super::verdict::{Answers, Hit, Scope};
use super::Keys;
use auth_core::ports::{BackendError, IssueRequest};

/// Hands back what the steps of a refused (or failed) send counted, and records the breakers
/// its steps tripped for `GET /metrics`. One pipeline; a failure here fails the request (the
/// counts stay too high, which only refuses early; the undo's code was never sent).
pub(super) async fn hand_back(
    store: &UpstashOtpStore<'_>,
    keys: &Keys,
    a: &Answers,
    r: &IssueRequest<'_>,
    cooloff_secs: u32,
) -> Result<(), BackendError> {
    let mut steps = Vec::new();
    let issued = a
        .phone
        .as_ref()
        .is_ok_and(|items| outcome_of(items).is_ok_and(|(o, _)| o == "issued"));
    if issued {
        let [code, cooldown, window, day, _, undo] = keys.phone.clone();
        steps.push(Eval::new(
            &UNDO,
            vec![code, cooldown, window, day, undo],
            vec![r.mac.to_owned()],
        ));
    }
    let counted =
        |answer: &Result<Scope, BackendError>| matches!(answer, Ok(Scope::Counted { .. }));
    if counted(&a.address) {
        steps.push(Eval::refund(keys.address.clone(), true, false));
    }
    if counted(&a.country) {
        let [budget, record] = keys.country.clone();
        steps.push(Eval::refund_both(budget, record));
    }
    if counted(&a.global) {
        steps.push(Eval::refund(keys.global.clone(), true, false));
    }
    if let (Some(answer), Some(record)) = (&a.network, &keys.network) {
        if counted(answer) {
            steps.push(Eval::refund(record.clone(), false, true));
        }
    }
    let tripped = |answer: Option<&Result<Scope, BackendError>>| {
        matches!(answer, Some(Ok(Scope::Risky(Hit { tripped: true, .. }))))
    };
    let until = (r.caller.now + i64::from(cooloff_secs)).to_string();
    let now = r.caller.now.to_string();
    let mut open = |name: String| {
        steps.push(Eval::new(
            &OPEN_BREAKER,
            vec![open_breakers_key(store.prefix())],
            vec![now.clone(), until.clone(), name],
        ))
    };
    if tripped(Some(&a.country)) {
        open(format!("calling_code:{}", r.phone.calling_code()));
    }
    if tripped(a.network.as_ref()) {
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
