//! `oha` (crates.io), the standard HTTP load generator, for the endpoints one fixed request can
//! load again and again: the trivial worker, live, JWKS, and the profile with one access token.
//! Fixed-rate runs use its `--latency-correction` (latency counts from when a request was due,
//! as ours does). The stateful flows (send-otp to fresh numbers, login after its own send,
//! refresh with the token the last answer rotated in) stay on our generator (`load`); the bench
//! runs one endpoint on both, so the two are seen to agree (BENCHMARKS.md).
//!
//! Installed on first use with `cargo install`, with its OpenSSL backend: oha does not build
//! without a TLS backend, its default (rustls on aws-lc) wants cmake, and OpenSSL's headers are
//! one Debian package (installed here when missing). The bench itself speaks plain HTTP.

use super::endpoints::{Actor, Endpoint};
use super::load::{Generator, Sample};
use crate::proc::{exists, note, run, step};
use serde_json::Value;
use std::path::PathBuf;
use std::process::Command;
use std::time::Duration;

/// The version the bench is written against (its JSON report's fields).
const VERSION: &str = "1.16.0";

/// One request oha repeats.
pub struct FixedRequest {
    pub port: u16,
    pub path: &'static str,
    pub headers: Vec<String>,
}

impl FixedRequest {
    /// The fixed request that loads `endpoint`, or `None` for the flows that need a new
    /// request each time. The profile's token comes from a login done here.
    pub fn of(endpoint: Endpoint, port: u16) -> crate::Result<Option<Self>> {
        let path = match endpoint {
            Endpoint::TrivialWorker => "/",
            Endpoint::Live => "/live",
            Endpoint::Jwks => "/.well-known/jwks.json",
            Endpoint::Profile => "/api/v1/users/profile",
            Endpoint::Primitive(p) => p.path(),
            Endpoint::SendOtp
            | Endpoint::Login
            | Endpoint::Refresh
            | Endpoint::Mixed
            | Endpoint::DpopRefresh
            | Endpoint::DpopProfile => return Ok(None),
        };
        let mut headers = Vec::new();
        if endpoint == Endpoint::Profile {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .map_err(|e| e.to_string())?;
            // The last of the test numbers: the load's own actors use the first ones.
            let actor = rt.block_on(Actor::start(endpoint, port, super::MAX_CONNECTIONS - 1))?;
            headers.push(format!("authorization: Bearer {}", actor.access_token()));
        }
        Ok(Some(Self {
            port,
            path,
            headers,
        }))
    }
}

/// The oha binary, installed with `cargo install` when it is not on the PATH.
fn program() -> crate::Result<PathBuf> {
    let installed = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cargo")))
        .map(|home| home.join("bin/oha"));
    if exists("oha") {
        return Ok(PathBuf::from("oha"));
    }
    if let Some(path) = installed.as_ref().filter(|p| p.exists()) {
        return Ok(path.clone());
    }
    step(&format!(
        "bench: installing oha {VERSION} (cargo install, once; a few minutes)"
    ));
    let has_openssl = Command::new("pkg-config")
        .args(["--exists", "openssl"])
        .status()
        .is_ok_and(|s| s.success());
    if !has_openssl {
        crate::toolchain::apt_install(
            &["pkg-config", "libssl-dev"],
            "oha needs OpenSSL's headers: apt-get install pkg-config libssl-dev",
        )?;
    }
    run(
        Command::new("cargo").args([
            "install",
            "oha",
            "--version",
            VERSION,
            "--locked",
            "--no-default-features",
            "--features",
            "native-tls",
        ]),
        "cargo install oha failed; install it by hand and put it on the PATH",
    )?;
    note("oha installed");
    installed.ok_or_else(|| "no CARGO_HOME or HOME to find oha in".into())
}

/// As fast as `connections` connections go, for `length`.
pub fn saturate(req: &FixedRequest, connections: usize, length: Duration) -> crate::Result<Sample> {
    load(req, connections, length, None)
}

/// `rate` requests per second for `length`, over `connections` connections, with oha's
/// latency correction.
pub fn fixed_rate(
    req: &FixedRequest,
    rate: f64,
    length: Duration,
    connections: usize,
) -> crate::Result<Sample> {
    load(req, connections, length, Some(rate))
}

fn load(
    req: &FixedRequest,
    connections: usize,
    length: Duration,
    rate: Option<f64>,
) -> crate::Result<Sample> {
    let mut cmd = Command::new(program()?);
    // One core at most, as ours: the other is the runtime's under test.
    cmd.env("TOKIO_WORKER_THREADS", "1")
        .args(["--no-tui", "--output-format", "json"])
        // Requests still running at the deadline finish and count, rather than being
        // cancelled and reported as errors.
        .arg("--wait-ongoing-requests-after-deadline")
        .args(["-z", &format!("{}ms", length.as_millis())])
        .args(["-c", &connections.to_string()]);
    if let Some(rate) = rate {
        cmd.args(["-q", &format!("{rate}"), "--latency-correction"]);
    }
    for header in &req.headers {
        cmd.args(["-H", header]);
    }
    cmd.arg(format!("http://127.0.0.1:{}{}", req.port, req.path));
    let out = cmd.output().map_err(|e| format!("cannot run oha: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "oha failed ({}): {}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    parse(&String::from_utf8_lossy(&out.stdout))
}

/// oha's JSON report as a sample: 200s are successes, other statuses and transport errors
/// are errors; its percentiles are in seconds.
fn parse(report: &str) -> crate::Result<Sample> {
    let json: Value =
        serde_json::from_str(report).map_err(|e| format!("oha's report is not JSON: {e}"))?;
    let count = |v: &Value| v.as_u64().unwrap_or(0) as usize;
    let statuses = json["statusCodeDistribution"]
        .as_object()
        .ok_or("oha's report has no statusCodeDistribution")?;
    let ok = statuses.get("200").map_or(0, count);
    let mut errors = statuses.values().map(count).sum::<usize>() - ok;
    let mut first_error = statuses
        .keys()
        .find(|status| *status != "200")
        .map(|status| format!("status {status}"));
    if let Some(transport) = json["errorDistribution"].as_object() {
        errors += transport.values().map(count).sum::<usize>();
        if let Some(message) = transport.keys().next() {
            first_error.get_or_insert_with(|| message.clone());
        }
    }
    let total = json["summary"]["total"]
        .as_f64()
        .ok_or("oha's report has no summary.total")?;
    let percentiles = json["latencyPercentiles"]
        .as_object()
        .ok_or("oha's report has no latencyPercentiles")?
        .iter()
        .filter_map(|(name, seconds)| {
            let p = name.strip_prefix('p')?.parse::<f64>().ok()?;
            Some((p, seconds.as_f64()? * 1000.0))
        })
        .collect();
    Ok(Sample::from_percentiles(
        ok,
        percentiles,
        errors,
        first_error,
        Duration::from_secs_f64(total),
        Generator::Oha,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The parts of oha 1.16's `--output-format json` report the bench reads.
    const REPORT: &str = r#"{
        "summary": {"successRate": 1.0, "total": 2.0, "requestsPerSec": 503.5},
        "latencyPercentiles": {"p10": 0.0005, "p50": 0.00125, "p99": 0.004, "p99.9": 0.01},
        "statusCodeDistribution": {"200": 1000, "503": 5},
        "errorDistribution": {"connection closed": 2}
    }"#;

    #[test]
    fn a_report_becomes_a_sample() {
        let s = parse(REPORT).unwrap();
        assert_eq!((s.ok(), s.errors, s.requests()), (1000, 7, 1007));
        assert_eq!(s.percentile_ms(50.0), 1.25);
        assert_eq!(s.percentile_ms(99.9), 10.0);
        assert!(
            s.percentile_ms(75.0).is_nan(),
            "a percentile oha did not report"
        );
        assert!((s.rate() - 503.5).abs() < 1e-9);
        assert_eq!(s.first_error.as_deref(), Some("status 503"));
        assert_eq!(s.generator, Generator::Oha);
    }

    #[test]
    fn a_report_without_statuses_is_refused() {
        assert!(parse(r#"{"summary": {"total": 1.0}}"#).is_err());
    }
}
