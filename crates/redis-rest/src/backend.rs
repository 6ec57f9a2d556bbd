//! The Redis the gateway serves (`REDIS_REST_MODE`): one server through a pool of multiplexed
//! connections, or a Redis Cluster through the cluster client. The HTTP side sees one interface.

use crate::cluster::RedisCluster;
use crate::config::{Config, Mode};
use crate::pool::RedisPool;
use crate::request::Command;
use redis::{RedisResult, Value};

pub enum Backend {
    Single(RedisPool),
    Cluster(RedisCluster),
}

impl Backend {
    pub fn new(config: &Config) -> RedisResult<Self> {
        Ok(match config.mode {
            Mode::Single => Self::Single(RedisPool::new(
                &config.redis_url,
                config.pool_size,
                config.connect_timeout,
                config.request_timeout,
            )?),
            Mode::Cluster => Self::Cluster(RedisCluster::new(
                &config.nodes(),
                config.connect_timeout,
                config.request_timeout,
            )?),
        })
    }

    /// Runs one command; the cluster client routes it by its key (or to every node, and merges
    /// the answers, for commands like DBSIZE and SCRIPT LOAD).
    pub async fn command(&self, command: &Command) -> RedisResult<Value> {
        match self {
            Self::Single(pool) => {
                to_redis_cmd(command)
                    .query_async(&mut pool.get().await?)
                    .await
            }
            Self::Cluster(cluster) => cluster.command(command, to_redis_cmd).await,
        }
    }

    /// Runs several commands: each command's result, in order. `atomic` wraps them in
    /// MULTI/EXEC, which a cluster runs on the first key's node (CROSSSLOT for keys of several
    /// slots, as on any Redis Cluster).
    pub async fn pipeline(
        &self,
        commands: &[Command],
        atomic: bool,
    ) -> RedisResult<Vec<RedisResult<Value>>> {
        let mut pipe = redis::pipe();
        if atomic {
            pipe.atomic();
        }
        // Per-command errors become per-command `{"error": ...}` entries, as the protocol wants.
        pipe.ignore_errors();
        for command in commands {
            pipe.add_command(to_redis_cmd(command));
        }
        match self {
            Self::Single(pool) => pipe.query_async(&mut pool.get().await?).await,
            Self::Cluster(cluster) if atomic => pipe.query_async(&mut cluster.get().await?).await,
            Self::Cluster(cluster) => cluster.pipeline(commands, to_redis_cmd).await,
        }
    }
}

impl Backend {
    /// Kills the script Redis is running (`SCRIPT KILL`), on a connection of its own: the one
    /// that sent the script waits for its answer, and Redis does not read from it meanwhile.
    /// Redis acts on the kill once the script has run for its `busy-reply-threshold` (5 s by
    /// default; README, "The gateway"). A Redis running no script answers NOTBUSY, and a script
    /// that already wrote cannot be killed (UNKILLABLE): both are left as they are. Bounded, so a
    /// Redis that never answers leaves no task behind.
    pub async fn kill_running_script(&self) {
        let kill = async {
            let mut command = redis::cmd("SCRIPT");
            command.arg("KILL");
            match self {
                Self::Single(pool) => {
                    let mut connection = pool.fresh_connection().await?;
                    command.query_async::<Value>(&mut connection).await
                }
                Self::Cluster(cluster) => {
                    let mut connection = cluster.fresh_connection().await?;
                    command.query_async::<Value>(&mut connection).await
                }
            }
        };
        let _ = tokio::time::timeout(KILL_WAIT, kill).await;
    }
}

/// How long a kill may wait for Redis to act on it: past any `busy-reply-threshold` worth
/// setting.
const KILL_WAIT: std::time::Duration = std::time::Duration::from_secs(30);

fn to_redis_cmd(command: &Command) -> redis::Cmd {
    let mut cmd = redis::Cmd::new();
    for arg in command {
        cmd.arg(arg.as_slice());
    }
    cmd
}
