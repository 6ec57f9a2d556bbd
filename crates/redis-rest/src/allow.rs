//! Which commands the gateway runs: an allow-list of the data commands Upstash serves, not a
//! deny-list. A command nobody listed (a new admin command in a later Redis, a module's) is
//! refused by default, and Redis never sees a refused command.
//!
//! Left out on purpose: server administration (FLUSHALL, CONFIG, REPLICAOF, MODULE, DEBUG, ACL,
//! SHUTDOWN, SAVE...), `KEYS` (it walks the whole keyspace on the shared server), connection
//! state (SELECT, AUTH, CLIENT, MULTI/EXEC, WATCH, SUBSCRIBE...: every request shares pooled
//! connections; transactions go through `/multi-exec`), and every blocking form (BLPOP and the
//! other B-commands, WAIT, and `XREAD`/`XREADGROUP` with `BLOCK`), which would hold a pooled
//! connection hostage.

use crate::config::Mode;
use crate::request::{command_name, Command, RequestError};

/// The allowed commands, sorted (checked by a test) for binary search.
const ALLOWED: &[&str] = &[
    "APPEND",
    "BITCOUNT",
    "BITFIELD_RO",
    "BITOP",
    "BITPOS",
    "COPY",
    "DBSIZE",
    "DECR",
    "DECRBY",
    "DEL",
    "ECHO",
    "EVAL",
    "EVALSHA",
    "EVALSHA_RO",
    "EVAL_RO",
    "EXISTS",
    "EXPIRE",
    "EXPIREAT",
    "EXPIRETIME",
    "GEOADD",
    "GEODIST",
    "GEOHASH",
    "GEOPOS",
    "GEOSEARCH",
    "GEOSEARCHSTORE",
    "GET",
    "GETBIT",
    "GETDEL",
    "GETEX",
    "GETRANGE",
    "GETSET",
    "HDEL",
    "HEXISTS",
    "HGET",
    "HGETALL",
    "HINCRBY",
    "HINCRBYFLOAT",
    "HKEYS",
    "HLEN",
    "HMGET",
    "HMSET",
    "HRANDFIELD",
    "HSCAN",
    "HSET",
    "HSETNX",
    "HSTRLEN",
    "HVALS",
    "INCR",
    "INCRBY",
    "INCRBYFLOAT",
    "LINDEX",
    "LINSERT",
    "LLEN",
    "LMOVE",
    "LMPOP",
    "LPOP",
    "LPOS",
    "LPUSH",
    "LPUSHX",
    "LRANGE",
    "LREM",
    "LSET",
    "LTRIM",
    "MGET",
    "MSET",
    "MSETNX",
    "PERSIST",
    "PEXPIRE",
    "PEXPIREAT",
    "PEXPIRETIME",
    "PFADD",
    "PFCOUNT",
    "PFMERGE",
    "PING",
    "PSETEX",
    "PTTL",
    "RENAME",
    "RENAMENX",
    "RPOP",
    "RPOPLPUSH",
    "RPUSH",
    "RPUSHX",
    "SADD",
    "SCAN",
    "SCARD",
    "SCRIPT",
    "SDIFF",
    "SDIFFSTORE",
    "SET",
    "SETBIT",
    "SETEX",
    "SETNX",
    "SETRANGE",
    "SINTER",
    "SINTERCARD",
    "SINTERSTORE",
    "SISMEMBER",
    "SMEMBERS",
    "SMISMEMBER",
    "SMOVE",
    "SPOP",
    "SRANDMEMBER",
    "SREM",
    "SSCAN",
    "STRLEN",
    "SUNION",
    "SUNIONSTORE",
    "TIME",
    "TOUCH",
    "TTL",
    "TYPE",
    "UNLINK",
    "XACK",
    "XADD",
    "XAUTOCLAIM",
    "XCLAIM",
    "XDEL",
    "XLEN",
    "XPENDING",
    "XRANGE",
    "XREAD",
    "XREADGROUP",
    "XREVRANGE",
    "XTRIM",
    "ZADD",
    "ZCARD",
    "ZCOUNT",
    "ZDIFF",
    "ZDIFFSTORE",
    "ZINCRBY",
    "ZINTER",
    "ZINTERCARD",
    "ZINTERSTORE",
    "ZLEXCOUNT",
    "ZMPOP",
    "ZMSCORE",
    "ZPOPMAX",
    "ZPOPMIN",
    "ZRANDMEMBER",
    "ZRANGE",
    "ZRANGEBYLEX",
    "ZRANGEBYSCORE",
    "ZRANGESTORE",
    "ZRANK",
    "ZREM",
    "ZREMRANGEBYLEX",
    "ZREMRANGEBYRANK",
    "ZREMRANGEBYSCORE",
    "ZREVRANGE",
    "ZREVRANGEBYLEX",
    "ZREVRANGEBYSCORE",
    "ZREVRANK",
    "ZSCAN",
    "ZSCORE",
    "ZUNION",
    "ZUNIONSTORE",
];

/// `SCRIPT` subcommands a client may use (FLUSH and KILL act on the whole server).
const SCRIPT_SUBCOMMANDS: &[&str] = &["EXISTS", "LOAD"];

/// [`check_allowed`], and on a Redis Cluster also SCAN: its cursor belongs to one node, and the
/// cluster client would send each call to any node, so an iteration would silently miss keys.
pub fn check_allowed_on(mode: Mode, command: &Command) -> Result<(), RequestError> {
    check_allowed(command)?;
    let name = command_name(command);
    if mode == Mode::Cluster && name == "SCAN" {
        return Err(RequestError::NotOnCluster(name));
    }
    Ok(())
}

/// Refuses any command that is not on the allow-list, and the blocking or server-wide forms of
/// allowed ones.
pub fn check_allowed(command: &Command) -> Result<(), RequestError> {
    let name = command_name(command);
    let refused = || Err(RequestError::NotAllowed(name.clone()));
    if ALLOWED.binary_search(&name.as_str()).is_err() {
        return refused();
    }
    let argument = |i: usize| {
        command
            .get(i)
            .map(|a| String::from_utf8_lossy(a).to_ascii_uppercase())
    };
    match name.as_str() {
        "XREAD" | "XREADGROUP" => {
            let blocks = (1..command.len()).any(|i| argument(i).as_deref() == Some("BLOCK"));
            if blocks {
                return refused();
            }
        }
        "SCRIPT" => {
            let sub = argument(1).unwrap_or_default();
            if !SCRIPT_SUBCOMMANDS.contains(&sub.as_str()) {
                return refused();
            }
        }
        _ => {}
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn command(words: &[&str]) -> Command {
        words.iter().map(|w| w.as_bytes().to_vec()).collect()
    }

    #[test]
    fn the_allow_list_is_sorted_and_free_of_duplicates() {
        assert!(ALLOWED.windows(2).all(|w| w[0] < w[1]));
    }

    #[test]
    fn scan_is_served_on_a_single_redis_only() {
        let scan = command(&["scan", "0"]);
        assert_eq!(check_allowed_on(Mode::Single, &scan), Ok(()));
        let refused = check_allowed_on(Mode::Cluster, &scan).unwrap_err();
        assert!(
            refused.to_string().contains("single Redis only"),
            "{refused}"
        );
        assert_eq!(
            check_allowed_on(Mode::Cluster, &command(&["GET", "k"])),
            Ok(())
        );
    }

    #[test]
    fn data_commands_pass_in_any_case() {
        for words in [
            &["get", "k"][..],
            &["EvalSha", "abc", "0"],
            &["XREAD", "COUNT", "1", "STREAMS", "s", "0"],
            &["script", "load", "return 1"],
        ] {
            assert_eq!(check_allowed(&command(words)), Ok(()), "{words:?}");
        }
    }

    #[test]
    fn every_refused_class_is_refused() {
        for words in [
            &["FLUSHALL"][..],
            &["flushdb"],
            &["CONFIG", "GET", "*"],
            &["REPLICAOF", "evil.example", "6379"],
            &["SLAVEOF", "evil.example", "6379"],
            &["MODULE", "LOAD", "/tmp/x.so"],
            &["DEBUG", "SLEEP", "10"],
            &["KEYS", "*"],
            &["ACL", "LIST"],
            &["SHUTDOWN"],
            &["SAVE"],
            &["BLPOP", "k", "0"],
            &["BZPOPMIN", "k", "0"],
            &["WAIT", "1", "0"],
            &["XREAD", "BLOCK", "0", "STREAMS", "s", "$"],
            &[
                "xreadgroup",
                "GROUP",
                "g",
                "c",
                "block",
                "0",
                "STREAMS",
                "s",
                ">",
            ],
            &["SELECT", "1"],
            &["MULTI"],
            &["SUBSCRIBE", "c"],
            &["CLIENT", "KILL", "ID", "1"],
            &["SCRIPT", "FLUSH"],
            &["SCRIPT"],
            &["MONITOR"],
            &["NO-SUCH-COMMAND"],
        ] {
            assert!(
                matches!(
                    check_allowed(&command(words)),
                    Err(RequestError::NotAllowed(_))
                ),
                "{words:?}"
            );
        }
    }
}
