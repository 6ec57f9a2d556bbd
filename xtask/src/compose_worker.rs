//! The worker of `docker-compose.yml` (`cargo xtask compose-worker`, the worker image's
//! command): a development deployment, whatever `wrangler.toml` says for production. It takes
//! the gateway's address and token from the container's environment, generates development
//! secrets (new on each start: a restarted container logs everyone out, as dev does), writes
//! them all to `.dev.vars` (so no secret is on a command line) and runs `wrangler dev`.

use crate::proc::{note, step};
use crate::{devvars, root, toolchain};
use std::collections::BTreeMap;
use std::os::unix::process::CommandExt;

/// The settings the compose worker runs with, from its environment (`get`).
pub fn worker_vars(
    get: impl Fn(&str) -> Option<String>,
) -> crate::Result<BTreeMap<String, String>> {
    let mut vars = devvars::fresh()?;
    for key in ["REDIS_REST_URL", "REDIS_REST_TOKEN"] {
        let value = get(key)
            .filter(|v| !v.is_empty())
            .ok_or_else(|| format!("{key} must be set for the compose worker"))?;
        vars.insert(key.to_owned(), value);
    }
    for (key, value) in [
        // A development deployment: console SMS (codes in the container's log), the pooler
        // container without TLS, plain http to the gateway container.
        ("ENVIRONMENT", "development"),
        ("SMS_PROVIDER", "console"),
        ("POSTGRES_TLS", "off"),
    ] {
        vars.insert(key.to_owned(), value.to_owned());
    }
    vars.extend(devvars::local_passkeys("http://localhost:8787"));
    Ok(vars)
}

/// Writes `.dev.vars` and replaces this process with `wrangler dev` on 0.0.0.0:8787.
pub fn run() -> crate::Result<()> {
    step("compose worker: a development deployment");
    let vars = worker_vars(|k| std::env::var(k).ok())?;
    devvars::write(&root().join(".dev.vars"), &vars)?;
    note("settings and development secrets in .dev.vars (values not shown)");
    let mut wrangler = toolchain::wrangler();
    wrangler
        .args(["dev", "--ip", "0.0.0.0", "--port", "8787"])
        .arg("--show-interactive-dev-session=false")
        .current_dir(root());
    Err(format!("cannot start wrangler: {}", wrangler.exec()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_compose_worker_is_a_development_deployment_with_its_own_secrets() {
        let env = BTreeMap::from([
            ("REDIS_REST_URL", "http://redis-rest:8079"),
            ("REDIS_REST_TOKEN", "a-gateway-token-of-32-characters"),
        ]);
        let vars = worker_vars(|k| env.get(k).map(|v| v.to_string())).unwrap();
        assert_eq!(vars["ENVIRONMENT"], "development");
        assert_eq!(vars["REDIS_REST_TOKEN"], env["REDIS_REST_TOKEN"]);
        for key in devvars::REQUIRED {
            assert!(!vars[*key].is_empty(), "{key}");
        }
        assert!(worker_vars(|_| None)
            .unwrap_err()
            .contains("REDIS_REST_URL"));
    }
}
