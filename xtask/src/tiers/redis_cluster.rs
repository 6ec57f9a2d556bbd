//! The cluster tier: a local Redis Cluster (three masters, a replica each) behind the gateway
//! in cluster mode; the OTP store's contract and the REST adapter's tests through it, the
//! official `@upstash/redis` client against it, and then one master killed under a stream of
//! sends while its replica takes over.

use super::cargo;
use crate::devvars;
use crate::proc::{self, step};
use crate::root;
use crate::stack::redis_cluster::RedisCluster;
use crate::stack::{gateway, net};
use std::process::Command;

pub(super) fn redis_cluster() -> crate::Result<()> {
    step("tier cluster: the OTP store and @upstash/redis through the gateway on a Redis Cluster");
    let cluster = RedisCluster::start()?;
    let result = store_tests(&cluster)
        .and_then(|()| conformance(&cluster))
        .and_then(|()| failover(&cluster));
    cluster.stop();
    result
}

/// The adapters' tests against the cluster, as the native tier runs them against one Redis:
/// each test serves its own gateway in cluster mode.
fn adapter_tests(cluster: &RedisCluster, args: &[&str]) -> Command {
    let mut command = cargo(&["test", "--no-fail-fast", "-p", "auth-adapters"]);
    command
        .args(args)
        .env("TEST_REDIS_MODE", "cluster")
        .env("TEST_REDIS_URL", cluster.seeds())
        .env("TEST_REDIS_CLUSTER_PORTS", cluster.ports_list());
    command
}

fn store_tests(cluster: &RedisCluster) -> crate::Result<()> {
    step("cluster: the OTP store's contract and the REST adapter");
    proc::run(
        &mut adapter_tests(cluster, &["--test", "otp_store", "--test", "upstash"]),
        "see the failing tests above (the cluster's logs are in .stack/redis-cluster)",
    )
}

fn conformance(cluster: &RedisCluster) -> crate::Result<()> {
    step("cluster: @upstash/redis against a gateway in cluster mode");
    let [port] = net::free_ports::<1>()?;
    let token = devvars::random_token(24);
    let log = root().join(".stack/redis-cluster-gateway.log");
    let mut gateway = gateway::start_for_cluster(port, &cluster.seeds(), &token, &log)?;
    let result = proc::run(
        Command::new("node")
            .args(["--test", "tests/conformance/"])
            .current_dir(root())
            .env("TEST_GATEWAY_URL", format!("http://127.0.0.1:{port}"))
            .env("TEST_GATEWAY_TOKEN", &token),
        "see the failing conformance tests above",
    );
    let _ = gateway.kill();
    let _ = gateway.wait();
    result
}

fn failover(cluster: &RedisCluster) -> crate::Result<()> {
    step("cluster: a master killed under a stream of sends; its replica takes over");
    proc::run(
        &mut adapter_tests(
            cluster,
            &[
                "--test",
                "redis_cluster_failover",
                "--",
                "--ignored",
                "--nocapture",
            ],
        ),
        "see the failover test above",
    )
}
