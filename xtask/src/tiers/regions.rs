//! The regions tier: one worker over two data regions, the test stack (`eu`) and a second stack
//! (`us`), and the end-to-end tests that need both (`tests/e2e/tests/regions.rs`): where rows
//! land, which pooler each call reaches, the admin listing merged across regions, and one
//! region's backends stopped while the other serves.

use super::{cargo, worker::e2e_worker_vars};
use crate::proc::{self, step};
use crate::stack::regions::{self, RegionStack};
use crate::stack::worker::{Instance, RunningWorker};
use crate::stack::{net, Stack, StackLayout};
use crate::{build_worker, devvars};

pub(super) fn regions(eu: &Stack, env: &[(String, String)]) -> crate::Result<()> {
    step(&format!(
        "regions: one worker, two data regions (eu: the {} stack; us: a stack of its own)",
        eu.layout.name
    ));
    let us = Stack::start_backends(StackLayout::region_us(), devvars::random_token(24))?;
    build_worker::build_worker(false)?;
    let both = [
        RegionStack {
            name: "eu",
            layout: &eu.layout,
            gateway_token: &eu.gateway_token,
        },
        RegionStack {
            name: "us",
            layout: &us.layout,
            gateway_token: &us.gateway_token,
        },
    ];
    let dir = eu.layout.dir.join("worker-regions");
    let config = regions::wrangler_config(&dir, &both)?;
    let mut vars = e2e_worker_vars(&eu.layout)?;
    vars.extend(regions::worker_vars(&both));
    let [port, inspector_port] = net::free_ports()?;
    let worker = RunningWorker::start(Instance {
        name: "regions".into(),
        port,
        inspector_port,
        dir: dir.clone(),
        vars,
        hyperdrive_url: eu.layout.pooler_url(),
        inherit_output: false,
        config: Some(config),
    })?;
    let ran = proc::run(
        cargo(&[
            "test",
            "--no-fail-fast",
            "-p",
            "e2e",
            "--test",
            "regions",
            "--",
            "--ignored",
            "--test-threads=1",
        ])
        .envs(env.iter().cloned())
        .env("E2E_BASE_URL", worker.instance.url())
        .env("E2E_WORKER_DIR", &dir),
        &format!(
            "see the failing region tests above and {}",
            worker.instance.log_path().display()
        ),
    );
    drop(worker);
    drop(us);
    ran
}
