//! Checks of `docker-compose.yml` that need no Docker engine (none runs on our machines): it is
//! valid against the Compose specification (the schema that `check-jsonschema` vendors), every
//! image it builds has its Dockerfile in the repository, and every setting it gives the worker
//! or the gateway is one they read.

use crate::proc::{self, step};
use crate::root;
use std::process::Command;

pub const CHECK_JSONSCHEMA_VERSION: &str = "0.39.0";

pub fn check() -> crate::Result<()> {
    step("compose: docker-compose.yml against the Compose specification");
    let installed =
        proc::output(Command::new("python3").args(["-m", "check_jsonschema", "--version"]))
            .unwrap_or_default();
    if !installed.contains(CHECK_JSONSCHEMA_VERSION) {
        crate::toolchain::pip_install("check-jsonschema", CHECK_JSONSCHEMA_VERSION)?;
    }
    proc::run(
        Command::new("python3")
            .args([
                "-m",
                "check_jsonschema",
                "--builtin-schema",
                "vendor.compose-spec",
                "docker-compose.yml",
            ])
            .current_dir(root()),
        "docker-compose.yml does not follow the Compose specification",
    )?;
    let problems = static_problems(
        &std::fs::read_to_string(root().join("docker-compose.yml")).map_err(|e| e.to_string())?,
        &settings_source()?,
    );
    if problems.is_empty() {
        Ok(())
    } else {
        Err(format!("docker-compose.yml: {}", problems.join("; ")))
    }
}

/// The source that reads settings: the worker's config, the core's settings and deployment
/// rules, the metrics route, the gateway's config, and the migrator's stack settings.
fn settings_source() -> crate::Result<String> {
    [
        "src/config.rs",
        "src/routes/documents.rs",
        "crates/core/src/config/settings.rs",
        "crates/core/src/config/deployment.rs",
        "crates/redis-rest/src/config.rs",
        "xtask/src/stack/mod.rs",
    ]
    .iter()
    .map(|p| std::fs::read_to_string(root().join(p)).map_err(|e| format!("{p}: {e}")))
    .collect()
}

/// Dockerfiles that do not exist, and environment names nothing reads.
fn static_problems(compose: &str, settings_source: &str) -> Vec<String> {
    let doc: serde_json::Value = match serde_yaml_like(compose) {
        Ok(doc) => doc,
        Err(e) => return vec![e],
    };
    let mut problems = Vec::new();
    for (name, service) in doc["services"].as_object().into_iter().flatten() {
        if let Some(dockerfile) = service["build"]["dockerfile"].as_str() {
            if !root().join(dockerfile).exists() {
                problems.push(format!(
                    "service {name} builds from {dockerfile}, which is not in the repository"
                ));
            }
        }
        if !matches!(name.as_str(), "worker" | "redis-rest" | "migrate") {
            continue;
        }
        for key in service["environment"]
            .as_object()
            .into_iter()
            .flatten()
            .map(|(k, _)| k)
        {
            // Variables of wrangler and of the Hyperdrive binding belong to the tooling.
            let tooling = key.starts_with("CLOUDFLARE_") || key.starts_with("WRANGLER_");
            if !tooling && !settings_source.contains(&format!("\"{key}\"")) {
                problems.push(format!("service {name} sets {key}, which nothing reads"));
            }
        }
    }
    problems
}

/// docker-compose.yml as JSON values.
fn serde_yaml_like(text: &str) -> Result<serde_json::Value, String> {
    serde_yaml::from_str(text).map_err(|e| format!("docker-compose.yml does not parse: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_settings_and_missing_dockerfiles_are_reported() {
        let compose = "services:\n  worker:\n    build: { context: ., dockerfile: docker/nope.Dockerfile }\n    environment:\n      REDIS_REST_URL: x\n      REDIS_RST_TOKEN: typo\n      WRANGLER_SEND_METRICS: 'false'\n";
        let problems = static_problems(compose, "required(env, \"REDIS_REST_URL\")");
        assert_eq!(problems.len(), 2, "{problems:?}");
        assert!(problems[0].contains("docker/nope.Dockerfile"));
        assert!(problems[1].contains("REDIS_RST_TOKEN"));
    }

    #[test]
    fn the_project_compose_file_has_no_static_problems() {
        let compose = std::fs::read_to_string(root().join("docker-compose.yml")).unwrap();
        assert_eq!(
            static_problems(&compose, &settings_source().unwrap()),
            Vec::<String>::new()
        );
    }
}
