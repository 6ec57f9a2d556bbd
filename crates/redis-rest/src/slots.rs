//! Which cluster slot a pipelined command belongs to, so that a pipeline can go to a Redis
//! Cluster as one sub-pipeline per slot (the cluster client routes a pipeline whole, to one
//! slot).
//!
//! Only commands with exactly one key, or scripts, get a slot here; for any other command
//! (keyless ones like PING and DBSIZE, multi-key ones like MGET or RENAME) a pipeline is run one
//! command at a time instead, and the cluster client routes each itself. Guessing a key position
//! wrong would send a command to the wrong node, so the list of exceptions errs towards "not
//! single-key".

use crate::request::Command;
use redis::cluster_routing::Slot;

/// Commands that have no key, or more than one key, or their key elsewhere than first.
const NOT_SINGLE_KEY: &[&str] = &[
    "BITOP",
    "COPY",
    "DBSIZE",
    "DEL",
    "ECHO",
    "EXISTS",
    "GEOSEARCHSTORE",
    "LMOVE",
    "LMPOP",
    "MGET",
    "MSET",
    "MSETNX",
    "PFCOUNT",
    "PFMERGE",
    "PING",
    "RENAME",
    "RENAMENX",
    "RPOPLPUSH",
    "SCAN",
    "SCRIPT",
    "SDIFF",
    "SDIFFSTORE",
    "SINTER",
    "SINTERCARD",
    "SINTERSTORE",
    "SMOVE",
    "SUNION",
    "SUNIONSTORE",
    "TIME",
    "TOUCH",
    "UNLINK",
    "XREAD",
    "XREADGROUP",
    "ZDIFF",
    "ZDIFFSTORE",
    "ZINTER",
    "ZINTERCARD",
    "ZINTERSTORE",
    "ZMPOP",
    "ZRANGESTORE",
    "ZUNION",
    "ZUNIONSTORE",
];

/// The slot of a command's single key; `None` when it has none or several. A script's slot is
/// its first key's: Redis refuses (CROSSSLOT) a script whose keys are not all of one slot.
pub fn single_slot(command: &Command) -> Option<Slot> {
    let name = crate::request::command_name(command);
    let key = match name.as_str() {
        "EVAL" | "EVALSHA" | "EVAL_RO" | "EVALSHA_RO" => {
            let keys: usize = std::str::from_utf8(command.get(2)?).ok()?.parse().ok()?;
            if keys == 0 {
                return None;
            }
            command.get(3)?
        }
        _ if NOT_SINGLE_KEY.binary_search(&name.as_str()).is_ok() => return None,
        _ => command.get(1)?,
    };
    Some(Slot::for_key(key))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn command(words: &[&str]) -> Command {
        words.iter().map(|w| w.as_bytes().to_vec()).collect()
    }

    #[test]
    fn the_exceptions_are_sorted_for_binary_search() {
        assert!(NOT_SINGLE_KEY.windows(2).all(|w| w[0] < w[1]));
    }

    #[test]
    fn a_hash_tag_decides_the_slot_of_keys_and_of_script_keys() {
        let a = single_slot(&command(&["INCR", "otp:{+14155552671}:window"]));
        let b = single_slot(&command(&["HGET", "otp:{+14155552671}", "mac"]));
        let script = single_slot(&command(&[
            "EVAL",
            "return 1",
            "2",
            "x:{+14155552671}",
            "y",
        ]));
        assert!(a.is_some());
        assert_eq!(a, b);
        assert_eq!(a, script);
        // The well-known slot of "foo" (CLUSTER KEYSLOT foo).
        assert_eq!(single_slot(&command(&["GET", "foo"])), Slot::new(12182));
    }

    #[test]
    fn keyless_and_multi_key_commands_have_no_single_slot() {
        for words in [
            &["PING"][..],
            &["DBSIZE"],
            &["MGET", "a", "b"],
            &["DEL", "a"],
            &["EVAL", "return 1", "0"],
            &["SCRIPT", "LOAD", "return 1"],
            &["get"],
        ] {
            assert_eq!(single_slot(&command(words)), None, "{words:?}");
        }
        assert!(single_slot(&command(&["get", "k"])).is_some(), "any case");
    }
}
