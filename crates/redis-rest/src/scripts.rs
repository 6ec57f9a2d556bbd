//! Which Lua scripts the gateway lets Redis run: only those whose SHA-1 is on a list
//! (`REDIS_REST_SCRIPTS`), by default the service's own. A script is arbitrary code inside
//! Redis: `redis.call('FLUSHALL')` or `KEYS *` would pass any command allow-list, and
//! `while true do end` holds the server for every client. So `EVAL`, `EVALSHA`, their `_RO`
//! forms and `SCRIPT LOAD` pass only with a listed script, and a refused script never reaches
//! Redis. A listed script that runs past the request's deadline is killed (`server.rs`).

use crate::request::{command_name, Command, RequestError};
use std::collections::BTreeSet;

/// The SHA-1 of every script the service's OTP store sends (`auth_adapters::upstash::SCRIPTS`),
/// the default list. The adapters' test `the_gateway_allows_exactly_the_stores_scripts` fails
/// when a script changes without this list, and prints the new one: a change to what the
/// gateway lets run is then a reviewed line of this file.
pub const SERVICE_SCRIPTS: &[&str] = &[
    // send_undo.lua
    "26ff3025aa1128616abedff233c883ff9dcc2124",
    // withdraw.lua
    "4f41409b5aa7b9a26262fc442f32359485d18a50",
    // risk.lua + send_scope.lua
    "5e31a3e931445672eb1f0bc3c3c2f497f485d0e7",
    // send_phone.lua
    "628f78015166143a93506ac0f0dcb508dd195fcf",
    // open_breaker.lua
    "67665e6d091436c8d611d75dce5321ccc49f3565",
    // record_login.lua
    "6ab53d2dc07ddb0c522ca40af808e06ae8913edb",
    // verify.lua
    "76bcc3d618b6aac32cdc0c652f1e50a70e258bde",
    // send_refund.lua
    "fac2d86b5448a063df4c4a23bb5f9ca60d9d38fa",
];

/// What scripting the gateway allows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scripts {
    /// No script runs: `EVAL`, `EVALSHA` and `SCRIPT LOAD` are all refused.
    Refused,
    /// Only these scripts (lower-case hex SHA-1).
    Only(BTreeSet<String>),
}

impl Scripts {
    /// The service's own scripts.
    pub fn service() -> Self {
        Self::Only(SERVICE_SCRIPTS.iter().map(|s| (*s).to_owned()).collect())
    }

    /// `REDIS_REST_SCRIPTS`: unset for the service's scripts, `none` to refuse scripting, or
    /// SHA-1s separated by commas.
    pub fn parse(raw: Option<&str>) -> Result<Self, String> {
        let Some(raw) = raw.map(str::trim) else {
            return Ok(Self::service());
        };
        if raw.eq_ignore_ascii_case("none") {
            return Ok(Self::Refused);
        }
        let mut listed = BTreeSet::new();
        for sha in raw.split(',').map(str::trim).filter(|s| !s.is_empty()) {
            if sha.len() != 40 || !sha.bytes().all(|b| b.is_ascii_hexdigit()) {
                return Err(format!(
                    "REDIS_REST_SCRIPTS: {sha:?} is not a SHA-1 (40 hex digits); list the \
                     allowed scripts' SHA-1s separated by commas, or say none"
                ));
            }
            listed.insert(sha.to_ascii_lowercase());
        }
        if listed.is_empty() {
            return Err("REDIS_REST_SCRIPTS is empty: list SHA-1s, or say none".into());
        }
        Ok(Self::Only(listed))
    }

    /// Refuses a script command whose script is not listed. Other commands pass (the command
    /// allow-list judges them).
    pub fn check(&self, command: &Command) -> Result<(), RequestError> {
        let Some(sha) = script_of(command) else {
            return Ok(());
        };
        match self {
            Self::Only(listed) if sha.as_deref().is_some_and(|s| listed.contains(s)) => Ok(()),
            _ => Err(RequestError::ScriptNotAllowed(command_name(command))),
        }
    }
}

/// Whether the command runs or loads a script.
pub fn runs_a_script(command: &Command) -> bool {
    script_of(command).is_some()
}

/// For a command that runs or loads a script, the script's SHA-1 (`None` inside when the
/// command does not name one); `None` for every other command.
fn script_of(command: &Command) -> Option<Option<String>> {
    let argument = |i: usize| command.get(i).map(Vec::as_slice);
    let name = command_name(command);
    match name.as_str() {
        "EVAL" | "EVAL_RO" => Some(argument(1).map(sha1_hex)),
        "EVALSHA" | "EVALSHA_RO" => {
            Some(argument(1).map(|sha| String::from_utf8_lossy(sha).to_ascii_lowercase()))
        }
        "SCRIPT" => {
            let sub = argument(1).map(|s| String::from_utf8_lossy(s).to_ascii_uppercase());
            (sub.as_deref() == Some("LOAD")).then(|| argument(2).map(sha1_hex))
        }
        _ => None,
    }
}

/// The SHA-1 of a script's source, as Redis names it.
pub fn sha1_hex(source: &[u8]) -> String {
    sha1_smol::Sha1::from(source).digest().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn command(words: &[&str]) -> Command {
        words.iter().map(|w| w.as_bytes().to_vec()).collect()
    }

    const MINE: &str = "return 1";

    fn only_mine() -> Scripts {
        Scripts::parse(Some(&sha1_hex(MINE.as_bytes()).to_ascii_uppercase())).unwrap()
    }

    #[test]
    fn a_listed_script_runs_by_source_by_sha_and_loads() {
        let scripts = only_mine();
        let sha = sha1_hex(MINE.as_bytes());
        for words in [
            &["EVAL", MINE, "0"][..],
            &["eval_ro", MINE, "0"],
            &["EVALSHA", &sha, "0"],
            &["evalsha_ro", &sha.to_ascii_uppercase(), "0"],
            &["SCRIPT", "load", MINE],
            &["SCRIPT", "EXISTS", &sha],
            &["GET", "k"],
        ] {
            assert_eq!(scripts.check(&command(words)), Ok(()), "{words:?}");
        }
    }

    #[test]
    fn any_other_script_is_refused_however_it_is_sent() {
        let scripts = only_mine();
        let flush = "redis.call('FLUSHALL')";
        for words in [
            &["EVAL", flush, "0"][..],
            &["EVAL_RO", "return redis.call('KEYS', '*')", "0"],
            &["EVAL", "while true do end", "0"],
            &["EVALSHA", &sha1_hex(flush.as_bytes()), "0"],
            &["EVALSHA_RO", "not-a-sha", "0"],
            &["SCRIPT", "LOAD", flush],
            &["EVAL"],
            &["EVALSHA"],
            &["SCRIPT", "LOAD"],
        ] {
            assert!(
                matches!(
                    scripts.check(&command(words)),
                    Err(RequestError::ScriptNotAllowed(_))
                ),
                "{words:?}"
            );
        }
    }

    #[test]
    fn none_refuses_every_script_and_bad_lists_are_named() {
        let refused = Scripts::parse(Some("none")).unwrap();
        assert_eq!(refused, Scripts::Refused);
        assert!(refused.check(&command(&["EVAL", MINE, "0"])).is_err());
        assert_eq!(refused.check(&command(&["GET", "k"])), Ok(()));
        let bad = Scripts::parse(Some("abc")).unwrap_err();
        assert!(bad.contains("REDIS_REST_SCRIPTS"), "{bad}");
        assert!(Scripts::parse(Some(" , ")).is_err());
        assert_eq!(Scripts::parse(None).unwrap(), Scripts::service());
    }
}
