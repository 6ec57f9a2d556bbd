//! The API fuzzer: Schemathesis (from PyPI) against the live worker, driven by the served OpenAPI
//! document, with a bearer token of a real login so the authenticated operations are reached.
//! It fails on any 5xx, any status or body the document does not allow, and any wrong content
//! type. Its stateful phase follows the document's links (send-otp → login → refresh/logout).

use crate::proc::{self, note, step};
use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::Command;
use std::time::Duration;

/// The Schemathesis release the project is tested with.
pub const SCHEMATHESIS_VERSION: &str = "4.32.5";

/// The fixed test number and code the fuzz run logs in with (set on the test worker).
pub const TEST_NUMBER: &str = "+14155550100";
pub const TEST_CODE: &str = "246810";

/// The `schemathesis` script: where pip puts the scripts of the machine's `python3`, which need
/// not be on PATH.
fn binary() -> std::path::PathBuf {
    let scripts = proc::output(Command::new("python3").args([
        "-c",
        "import sysconfig; print(sysconfig.get_path('scripts'))",
    ]))
    .unwrap_or_default();
    let in_scripts = std::path::Path::new(scripts.trim()).join("schemathesis");
    if in_scripts.exists() {
        in_scripts
    } else {
        std::path::PathBuf::from("schemathesis")
    }
}

/// Installs Schemathesis when missing (pip, from PyPI).
pub fn ensure_installed() -> crate::Result<()> {
    let version = proc::output(Command::new(binary()).arg("--version")).unwrap_or_default();
    if version.contains(SCHEMATHESIS_VERSION) {
        return Ok(());
    }
    crate::toolchain::pip_install("schemathesis", SCHEMATHESIS_VERSION)
}

/// Runs the fuzzer against the worker on `port` with `examples` cases per operation and phase.
/// Deleting the caller's own account comes last, in a pass of its own: its first success
/// deletes the test number's user, and every other operation would meet a dead token after it.
/// Introspection takes a resource server's bearer (`introspection`), not a user's: it gets a
/// pass of its own with that one, after the user's pass has met its 401s.
pub fn run(port: u16, examples: u32, introspection: &str) -> crate::Result<()> {
    step(&format!("fuzz: schemathesis against http://127.0.0.1:{port}/openapi.yaml, {examples} examples per operation"));
    ensure_installed()?;
    let token = login(port)?;
    note("logged in with the test number; authenticated operations use its token");
    schemathesis(port, examples, &token, &["--exclude-path", OWN_ACCOUNT])?;
    note("introspection, as a resource server (its token not shown)");
    schemathesis(
        port,
        examples,
        introspection,
        // No links lead to it either.
        &[
            "--include-path",
            INTROSPECT,
            "--phases",
            "examples,coverage,fuzzing",
        ],
    )?;
    // The first pass may have ended that session (the sessions list links to revoking one):
    // the deletion gets a session of its own, so its first case can succeed.
    let token = login(port)?;
    note("last, the caller's own account deletion, from a fresh login (the user is deleted by it)");
    // No links lead to it, so the stateful phase has nothing to walk there.
    let own = [
        "--include-path",
        OWN_ACCOUNT,
        "--phases",
        "examples,coverage,fuzzing",
    ];
    schemathesis(port, examples, &token, &own)
}

/// The operation that ends the fuzzer's own account.
const OWN_ACCOUNT: &str = "/api/v1/users/me";

/// The operation a resource server calls.
const INTROSPECT: &str = "/oauth/introspect";

fn schemathesis(port: u16, examples: u32, token: &str, filter: &[&str]) -> crate::Result<()> {
    proc::run_as(
        Command::new(binary())
            .args(["run", &format!("http://127.0.0.1:{port}/openapi.yaml")])
            // The document names no server; requests go where it was served from.
            .args(["--url", &format!("http://127.0.0.1:{port}")])
            .args(["--checks", "not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance"])
            .args(["--max-examples", &examples.to_string()])
            .args(["--request-timeout", "10", "--generation-codec", "ascii", "--no-color"])
            .args(["--exclude-path", "/metrics"])
            .args(filter)
            .args(["-H", &format!("Authorization: Bearer {token}")])
            .stdin(std::process::Stdio::null()),
        "schemathesis (bearer token not shown)",
        "schemathesis found responses the OpenAPI document does not allow (see above)",
    )
}

/// send-otp and login for the test number; returns the access token.
fn login(port: u16) -> crate::Result<String> {
    let sent = post(
        port,
        "/api/v1/auth/send-otp",
        &format!(r#"{{"phone_number":"{TEST_NUMBER}"}}"#),
    )?;
    let session = sent["session_id"]
        .as_str()
        .ok_or(format!("send-otp answered {sent}"))?
        .to_owned();
    let body = format!(
        r#"{{"phone_number":"{TEST_NUMBER}","otp":"{TEST_CODE}","session_id":"{session}"}}"#
    );
    let login = post(port, "/api/v1/auth/login", &body)?;
    login["access_token"]
        .as_str()
        .map(str::to_owned)
        .ok_or(format!("login answered {login}"))
}

/// A minimal JSON POST on loopback.
fn post(port: u16, path: &str, body: &str) -> crate::Result<serde_json::Value> {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).map_err(|e| e.to_string())?;
    stream
        .set_read_timeout(Some(Duration::from_secs(20)))
        .map_err(|e| e.to_string())?;
    write!(
        stream,
        "POST {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .map_err(|e| e.to_string())?;
    let mut response = String::new();
    let _ = stream.read_to_string(&mut response);
    let json = response
        .split_once("\r\n\r\n")
        .map(|(_, b)| b)
        .unwrap_or("");
    // The worker may answer chunked; the JSON object is the part between the outer braces.
    let start = json
        .find('{')
        .ok_or(format!("{path}: no JSON in the answer"))?;
    let end = json
        .rfind('}')
        .ok_or(format!("{path}: no JSON in the answer"))?;
    serde_json::from_str(&json[start..=end]).map_err(|e| format!("{path}: {e}"))
}
