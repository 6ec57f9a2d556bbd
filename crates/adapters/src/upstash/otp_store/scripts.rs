//! Every Lua script the OTP store sends, named in one place. Each touches the keys of one
//! Redis Cluster slot (`mod.rs` has the key layout). The REST gateway runs these and no other
//! (`redis_rest::scripts::SERVICE_SCRIPTS`, held to [`script_shas`] by the adapters' test
//! `the_gateway_allows_exactly_the_stores_scripts`).

use super::steps::Script;

/// A send's phone step: limits, count and the code (`send/`).
pub(super) static PHONE: Script = Script::new(include_str!("../scripts/send_phone.lua"));
/// A send's shared scopes' step: a counter, a risk record, or both; `risk.lua` has the
/// records' arithmetic.
pub(super) static SCOPE: Script = Script::new(concat!(
    include_str!("../scripts/risk.lua"),
    include_str!("../scripts/send_scope.lua")
));
/// A refused send's phone step undone (`send/hand_back.rs`).
pub(super) static UNDO: Script = Script::new(include_str!("../scripts/send_undo.lua"));
/// What a shared scope counted for a send that did not happen, handed back.
pub(super) static REFUND: Script = Script::new(include_str!("../scripts/send_refund.lua"));
/// A tripped breaker recorded for `GET /metrics`.
pub(super) static OPEN_BREAKER: Script = Script::new(include_str!("../scripts/open_breaker.lua"));
/// A code's check (`check.rs`).
pub(super) static VERIFY: Script = Script::new(include_str!("../scripts/verify.lua"));
/// A verified code counted as a login in a risk record.
pub(super) static RECORD_LOGIN: Script = Script::new(include_str!("../scripts/record_login.lua"));
/// A code whose SMS failed, withdrawn.
pub(super) static WITHDRAW: Script = Script::new(include_str!("../scripts/withdraw.lua"));

/// Every script above, by the name of its file.
static ALL: [(&str, &Script); 8] = [
    ("send_phone.lua", &PHONE),
    ("risk.lua + send_scope.lua", &SCOPE),
    ("send_undo.lua", &UNDO),
    ("send_refund.lua", &REFUND),
    ("open_breaker.lua", &OPEN_BREAKER),
    ("verify.lua", &VERIFY),
    ("record_login.lua", &RECORD_LOGIN),
    ("withdraw.lua", &WITHDRAW),
];

/// The SHA-1 of every script the store sends, with its name, sorted by SHA-1: what a gateway
/// in front of its Redis must allow.
pub fn script_shas() -> Vec<(String, &'static str)> {
    let mut shas: Vec<(String, &str)> = ALL
        .iter()
        .map(|(name, script)| (script.sha().to_owned(), *name))
        .collect();
    shas.sort();
    shas
}
