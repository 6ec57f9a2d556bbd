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

fn to_redis_cmd(command: &Command) -> redis::Cmd {
    let mut cmd = redis::Cmd::new();
    for arg in command {
        cmd.arg(arg.as_slice());
    }
    cmd
}
