//! The citus tier: Citus installed (built from `CITUS_SOURCE` when missing), a fresh cluster of
//! a coordinator and two workers, and the adapters' Citus tests against it.

use super::{cargo, SKIPPED};
use crate::citus::{install, Cluster};
use crate::proc::{self, step};

pub(super) fn citus() -> crate::Result<()> {
    step("tier citus: the account store on a real Citus cluster");
    if let Err(why) = install::ensure() {
        // A developer without Citus is told how to get it; CI must run the tier.
        if std::env::var_os("CI").is_none() && !install::installed() {
            return Err(format!("{SKIPPED}{why}"));
        }
        return Err(why);
    }
    let cluster = Cluster::start()?;
    let workers = [cluster.url(1), cluster.url(2)].join(",");
    let result = proc::run(
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
    );
    cluster.stop();
    result
}
