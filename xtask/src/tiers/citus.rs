//! The citus tier: Citus installed (built from `CITUS_SOURCE` when missing), a fresh cluster of
//! a coordinator and two workers, the adapters' Citus tests against it, and the end-to-end
//! flows through a worker whose Hyperdrive binding reaches the coordinator, then through a
//! worker with two data regions, one of them the cluster.

use super::{cargo, test_env, worker::e2e_worker_vars, SKIPPED};
use crate::citus::{install, Cluster};
use crate::proc::{self, step};
use crate::stack::{Stack, StackLayout};
use crate::{build_worker, devvars};

/// The end-to-end test files that run against Citus: every endpoint and flow. The fault tests
/// stay on the single-node stack (they stop its PostgreSQL and PgBouncer).
const E2E_ON_CITUS: &[&str] = &[
    "health",
    "otp_flow",
    "otp_races",
    "otp_limits",
    "otp_costs",
    "tokens",
    "refresh",
    "sessions",
    "admin",
    "cookies",
    "metrics",
];

pub(super) fn citus() -> crate::Result<()> {
    step("tier citus: the account store and the flows on a real Citus cluster");
    if let Err(why) = install::ensure() {
        // A developer without Citus is told how to get it; CI must run the tier.
        if std::env::var_os("CI").is_none() && !install::installed() {
            return Err(format!("{SKIPPED}{why}"));
        }
        return Err(why);
    }
    let cluster = Cluster::start()?;
    let adapters = adapter_tests(&cluster);
    let flows = flows(&cluster);
    cluster.stop();
    adapters.and(flows)
}

fn adapter_tests(cluster: &Cluster) -> crate::Result<()> {
    step("citus: the adapters' Citus tests");
    let workers = [cluster.url(1), cluster.url(2)].join(",");
    proc::run(
        cargo(&[
            "test",
            "--no-fail-fast",
            "-p",
            "auth-adapters",
            "--test",
            "citus",
            "--",
            "--ignored",
            "--test-threads=1",
        ])
        .env("CITUS_POOLER_URL", cluster.pooler_url())
        .env("CITUS_COORDINATOR_URL", cluster.url(0))
        .env("CITUS_WORKER_URLS", workers),
        "see the failing Citus tests above",
    )
}

/// Redis, the gateway and a worker of the citus stack, with the cluster's PgBouncer behind
/// the Hyperdrive binding; then the end-to-end flows against that worker.
fn flows(cluster: &Cluster) -> crate::Result<()> {
    step("citus: the end-to-end flows through a worker on the cluster");
    let mut layout = StackLayout::citus();
    layout.external_database_url = Some(cluster.url(0));
    let token = devvars::random_token(24);
    let mut stack = Stack::start_backends(layout.clone(), token.clone())?;
    let result = (|| {
        build_worker::build_worker(false)?;
        stack.start_worker(e2e_worker_vars(&layout)?, false)?;
        let mut command = cargo(&["test", "--no-fail-fast", "-p", "e2e"]);
        for file in E2E_ON_CITUS {
            command.args(["--test", file]);
        }
        command
            .args(["--", "--test-threads=1"])
            .envs(test_env(&layout, &token));
        proc::run(
            &mut command,
            "see the failing flows above and .stack/citus/worker/wrangler.log",
        )?;
        step("citus: a worker node stopped under load");
        proc::run(
            cargo(&["test", "-p", "e2e", "--test", "citus_node_fault"])
                .args(["--", "--ignored", "--nocapture"])
                .envs(test_env(&layout, &token)),
            "see the failing node fault test above",
        )?;
        // A region's database may be a Citus cluster: the regions tier's tests with region eu
        // on this cluster and region us on a plain PostgreSQL of its own.
        step("citus: two data regions, eu on the cluster");
        super::regions::regions(&stack, &test_env(&layout, &token))
    })();
    stack.shutdown();
    result
}
