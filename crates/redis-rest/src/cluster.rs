//! A Redis Cluster behind the gateway, through the redis crate's cluster client: it learns the
//! slot map from the seed nodes, follows MOVED and ASK redirections, and refreshes the map after
//! a failover. A pipeline goes out as one sub-pipeline per slot (the client routes a pipeline
//! whole, to one slot), all at once; a pipeline with a command of no single slot runs one
//! command at a time, in order. The client follows MOVED and ASK for a single command but not
//! inside a pipeline's answer: a pipelined command refused that way (it did not run) is sent
//! again alone.

use crate::request::Command;
use crate::slots::single_slot;
use redis::cluster::ClusterClient;
use redis::cluster_async::ClusterConnection;
use redis::cluster_routing::Slot;
use redis::{RedisResult, Value};
use std::time::Duration;
use tokio::sync::OnceCell;

pub struct RedisCluster {
    client: ClusterClient,
    /// Made on first use, so the gateway starts (and answers 503) while the cluster is down;
    /// once made, the client reconnects to nodes by itself.
    connection: OnceCell<ClusterConnection>,
    /// How long one slot's sub-pipeline may take: under the request's deadline, so that when one
    /// node hangs the others' answers still reach the client (which then hands back what they
    /// counted) instead of the whole request timing out with nothing known.
    group_timeout: Duration,
}

impl RedisCluster {
    pub fn new(
        seeds: &[&str],
        connect_timeout: Duration,
        response_timeout: Duration,
    ) -> RedisResult<Self> {
        // A few quick retries with short waits: a failover's redirections and slot-map refresh
        // are ridden through within the request's deadline, and an outage still fails fast.
        let client = ClusterClient::builder(seeds.iter().copied())
            .connection_timeout(connect_timeout)
            .response_timeout(response_timeout)
            .retries(5)
            .min_retry_wait(25)
            .max_retry_wait(400)
            .build()?;
        Ok(Self {
            client,
            connection: OnceCell::new(),
            group_timeout: response_timeout * 3 / 4,
        })
    }

    /// A handle on the cluster; clones share the client's connections to every node.
    pub async fn get(&self) -> RedisResult<ClusterConnection> {
        let connection = self
            .connection
            .get_or_try_init(|| self.client.get_async_connection())
            .await?;
        Ok(connection.clone())
    }

    /// Connections of their own to every node, outside the shared ones (to kill a script the
    /// shared connection waits for: the client sends `SCRIPT KILL` to every master).
    pub async fn fresh_connection(&self) -> RedisResult<ClusterConnection> {
        self.client.get_async_connection().await
    }

    /// Runs one command. A redirection still standing after the client's own retries means the
    /// slot's master is gone and no replica has taken over yet: unavailable, not the command's
    /// error.
    pub async fn command(
        &self,
        command: &Command,
        to_cmd: fn(&Command) -> redis::Cmd,
    ) -> RedisResult<Value> {
        let answer = to_cmd(command).query_async(&mut self.get().await?).await;
        if is_redirect(&answer) {
            return Err(std::io::Error::from(std::io::ErrorKind::NotConnected).into());
        }
        answer
    }

    /// A pipeline with a command of no single slot: each command alone, in order.
    async fn one_at_a_time(
        &self,
        commands: &[Command],
        to_cmd: fn(&Command) -> redis::Cmd,
    ) -> RedisResult<Vec<RedisResult<Value>>> {
        let mut results = Vec::with_capacity(commands.len());
        for command in commands {
            results.push(self.command(command, to_cmd).await);
        }
        // As below: a call with no answer at all fails whole.
        if results
            .iter()
            .all(|r| r.as_ref().is_err_and(|e| e.code().is_none()))
        {
            if let Some(Err(err)) = results.into_iter().next() {
                return Err(err);
            }
            return Ok(Vec::new());
        }
        Ok(results)
    }

    /// Runs a non-atomic pipeline: each command's own result, in the commands' order. Commands
    /// of different slots never touch the same key, so running the slots' sub-pipelines at the
    /// same time keeps every key's commands in order. A sub-pipeline that gets no answer (its
    /// node down) answers its commands with that error; when none answers, the call fails.
    pub async fn pipeline(
        &self,
        commands: &[Command],
        to_cmd: fn(&Command) -> redis::Cmd,
    ) -> RedisResult<Vec<RedisResult<Value>>> {
        let connection = self.get().await?;
        let Some(groups) = by_slot(commands) else {
            return self.one_at_a_time(commands, to_cmd).await;
        };
        let runs = groups.iter().map(|indices| {
            let mut pipe = redis::pipe();
            pipe.ignore_errors();
            for &i in indices {
                pipe.add_command(to_cmd(&commands[i]));
            }
            let mut connection = connection.clone();
            let deadline = self.group_timeout;
            async move {
                let answer = pipe.query_async::<Vec<RedisResult<Value>>>(&mut connection);
                match tokio::time::timeout(deadline, answer).await {
                    Ok(answer) => answer,
                    Err(_) => Err(std::io::Error::from(std::io::ErrorKind::TimedOut).into()),
                }
            }
        });
        let answers = futures::future::join_all(runs).await;
        let mut results: Vec<Option<RedisResult<Value>>> = commands.iter().map(|_| None).collect();
        let mut answered = false;
        for (indices, answer) in groups.iter().zip(answers) {
            let values: Vec<RedisResult<Value>> = match answer {
                Ok(values) => values,
                // The whole sub-pipeline refused by a redirection: none of it ran.
                Err(err) if is_redirection(err.code()) => {
                    indices.iter().map(|_| Err(err.clone())).collect()
                }
                Err(err) => {
                    for &i in indices {
                        results[i] = Some(Err(err.clone()));
                    }
                    continue;
                }
            };
            answered = true;
            for (&i, value) in indices.iter().zip(values) {
                let value = if is_redirect(&value) {
                    // Not run where it was sent (the slot moved, a failover is under way):
                    // again alone, where the client follows the redirection itself.
                    self.command(&commands[i], to_cmd).await
                } else {
                    value
                };
                results[i] = Some(value);
            }
        }
        if !answered {
            // Not one group answered: the whole call failed, as on a single Redis.
            let first = results.into_iter().flatten().find_map(Result::err);
            return Err(first.expect("every group failed with an error"));
        }
        Ok(results
            .into_iter()
            .map(|r| r.expect("every command belongs to one group"))
            .collect())
    }
}

/// Whether a command was refused by the node for where its slot lives now, without running:
/// the cluster client follows these for single commands but hands them back inside a
/// pipeline's answer.
fn is_redirect(answer: &RedisResult<Value>) -> bool {
    match answer {
        Ok(Value::ServerError(err)) => is_redirection(Some(err.code())),
        Err(err) => is_redirection(err.code()),
        Ok(_) => false,
    }
}

fn is_redirection(code: Option<&str>) -> bool {
    matches!(code, Some("MOVED" | "ASK" | "TRYAGAIN" | "CLUSTERDOWN"))
}

/// The commands' indices grouped by slot, in order of first appearance; `None` when a command
/// has no single slot.
fn by_slot(commands: &[Command]) -> Option<Vec<Vec<usize>>> {
    let mut groups: Vec<(Slot, Vec<usize>)> = Vec::new();
    for (i, command) in commands.iter().enumerate() {
        let slot = single_slot(command)?;
        match groups.iter_mut().find(|(s, _)| *s == slot) {
            Some((_, indices)) => indices.push(i),
            None => groups.push((slot, vec![i])),
        }
    }
    Some(groups.into_iter().map(|(_, indices)| indices).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn command(words: &[&str]) -> Command {
        words.iter().map(|w| w.as_bytes().to_vec()).collect()
    }

    #[test]
    fn a_pipeline_groups_by_slot_in_order_of_first_appearance() {
        let commands = [
            command(&["INCR", "a:{x}"]),
            command(&["INCR", "b:{y}"]),
            command(&["GET", "c:{x}"]),
        ];
        assert_eq!(by_slot(&commands), Some(vec![vec![0, 2], vec![1]]));
        let with_ping = [command(&["INCR", "a:{x}"]), command(&["PING"])];
        assert_eq!(by_slot(&with_ping), None);
    }
}
