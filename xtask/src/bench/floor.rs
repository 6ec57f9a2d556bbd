//! The floor an endpoint cannot beat: the primitives it needs, measured straight from the load
//! generator's process (one gateway call, one Postgres statement through the pooler, one pooler
//! connection), and a trivial worker on the same runtime for the runtime's own cost.

use super::http::{Connection, Request};
use crate::stack::worker::{Instance, RunningWorker};
use std::collections::BTreeMap;
use std::path::Path;
use std::time::{Duration, Instant};

/// Median milliseconds of each primitive, `rounds` times each, one after another.
#[derive(Debug, Clone, Copy)]
pub struct Primitives {
    pub gateway_call: f64,
    pub pg_statement: f64,
    pub pg_connect: f64,
}

fn median_ms(mut samples: Vec<Duration>) -> f64 {
    samples.sort();
    samples[samples.len() / 2].as_secs_f64() * 1000.0
}

pub fn measure(
    gateway_port: u16,
    gateway_token: &str,
    pooler_url: &str,
    rounds: usize,
) -> Result<Primitives, String> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    rt.block_on(async {
        let mut gateway = Connection::new(gateway_port);
        let incr = Request::post_json("/", r#"["INCR","bench:floor"]"#.into())
            .header("authorization", format!("Bearer {gateway_token}"));
        let mut calls = Vec::new();
        for i in 0..rounds + 20 {
            let t = Instant::now();
            let reply = gateway.send(&incr).await.map_err(|e| e.to_string())?;
            if reply.status != 200 {
                return Err(format!("the gateway answered {}", reply.status));
            }
            if i >= 20 {
                calls.push(t.elapsed());
            }
        }

        let connect = || async {
            let (client, connection) = tokio_postgres::connect(pooler_url, tokio_postgres::NoTls)
                .await
                .map_err(|e| format!("the pooler: {e}"))?;
            tokio::spawn(connection);
            Ok::<_, String>(client)
        };
        let client = connect().await?;
        let mut statements = Vec::new();
        for i in 0..rounds + 20 {
            let t = Instant::now();
            client
                .query_typed("SELECT 1", &[])
                .await
                .map_err(|e| e.to_string())?;
            if i >= 20 {
                statements.push(t.elapsed());
            }
        }
        let mut connects = Vec::new();
        for _ in 0..rounds {
            let t = Instant::now();
            let c = connect().await?;
            connects.push(t.elapsed());
            drop(c);
        }
        Ok(Primitives {
            gateway_call: median_ms(calls),
            pg_statement: median_ms(statements),
            pg_connect: median_ms(connects),
        })
    })
}

/// Writes the trivial worker's script into `dir`: it answers every request with "ok".
pub fn trivial_script(dir: &Path) -> Result<std::path::PathBuf, String> {
    std::fs::create_dir_all(dir).map_err(|e| e.to_string())?;
    let script = dir.join("trivial.mjs");
    std::fs::write(
        &script,
        "export default { fetch() { return new Response(\"ok\"); } };\n",
    )
    .map_err(|e| e.to_string())?;
    Ok(script)
}

/// A worker that answers every request with "ok", under `wrangler dev` like the real one.
pub fn trivial_worker(dir: &Path, port: u16, inspector_port: u16) -> Result<RunningWorker, String> {
    let script = trivial_script(dir)?;
    let config = dir.join("wrangler.toml");
    std::fs::write(
        &config,
        format!(
            "name = \"trivial\"\nmain = \"{}\"\ncompatibility_date = \"2026-04-01\"\n",
            script.display()
        ),
    )
    .map_err(|e| e.to_string())?;
    RunningWorker::start(Instance {
        name: "trivial".into(),
        port,
        inspector_port,
        dir: dir.to_owned(),
        vars: BTreeMap::new(),
        hyperdrive_url: "postgres://unused:unused@127.0.0.1:1/unused".into(),
        inherit_output: false,
        config: Some(config),
    })
}
