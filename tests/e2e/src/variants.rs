//! Extra workers with other settings, for the tests of limits that the main worker's defaults
//! would take minutes to reach. Each runs its own `wrangler dev` on free ports against the same
//! stack, with Redis keys of its own, and stops when dropped.

use std::collections::BTreeMap;
use xtask::stack::worker::{Instance, RunningWorker};

/// Starts a worker with the main worker's settings plus `overrides`.
pub fn start(name: &str, overrides: &[(&str, &str)]) -> RunningWorker {
    let p = crate::stack();
    let mut vars: BTreeMap<String, String> = crate::worker_vars();
    // Counters of its own: a client address that an earlier test used on the main worker (the
    // brute-force and fault tests use thousands) must not count against this worker's limits.
    let prefix = format!(
        "{}{name}-{}:",
        vars.get("REDIS_KEY_PREFIX").cloned().unwrap_or_default(),
        crate::api::random_u32()
    );
    vars.insert("REDIS_KEY_PREFIX".to_owned(), prefix);
    for (k, v) in overrides {
        vars.insert((*k).to_owned(), (*v).to_owned());
    }
    let [port, inspector_port] = xtask::stack::net::free_ports().expect("free ports");
    let instance = Instance {
        name: name.to_owned(),
        port,
        inspector_port,
        dir: p.dir.join(format!("worker-{name}")),
        vars,
        hyperdrive_url: p.pooler_url(),
        config: None,
        inherit_output: false,
    };
    RunningWorker::start(instance)
        .unwrap_or_else(|e| panic!("the {name} worker did not start: {e}"))
}
