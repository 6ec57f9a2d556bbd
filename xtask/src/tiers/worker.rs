//! The tiers that run the worker itself: e2e against `wrangler dev` on the test stack, and the
//! Schemathesis fuzzer against a worker of its own.

use super::cargo;
use crate::proc::{self, step};
use crate::stack::{Stack, StackLayout};
use crate::{build_worker, devvars};

/// The signing certificate fingerprint of the test worker's Android app: any 32 bytes do.
const TEST_APP_FINGERPRINT: &str =
    "14:6D:E9:83:C5:73:06:50:D8:EE:B9:95:2F:34:FC:64:16:A0:83:42:E6:1D:BE:A8:8A:04:96:B2:3F:CF:44:E5";

/// The test worker's settings: fresh secrets, codes delivered to the tests' signed-webhook
/// receiver, and a key prefix of its own so runs never share Redis state.
pub(super) fn e2e_worker_vars(
    p: &StackLayout,
) -> crate::Result<std::collections::BTreeMap<String, String>> {
    let mut vars = devvars::fresh()?;
    vars.insert("SMS_PROVIDER".into(), "webhook".into());
    vars.insert(
        "SMS_WEBHOOK_URL".into(),
        format!("http://127.0.0.1:{}/sms", p.webhook_port),
    );
    vars.insert(
        "SMS_WEBHOOK_SECRET".into(),
        format!("whsec_{}", devvars::random_base64(24)),
    );
    vars.insert(
        "REDIS_KEY_PREFIX".into(),
        format!("e2e-{}:", devvars::random_token(6)),
    );
    // Hundreds of tests send codes nobody types in: the breakers' minimum is out of their reach
    // (the breakers still judge every send; the pumping test's worker sets its own).
    vars.insert("RISK_BREAKER_MIN_SENDS".into(), "1000000".into());
    // Passkeys for localhost: the software authenticator of `e2e::passkey` answers as a page of
    // http://localhost would; one Android and one iOS app for the association files.
    vars.extend(devvars::local_passkeys("http://localhost"));
    vars.insert(
        "PASSKEY_ANDROID_APPS".into(),
        format!("com.example.phoneauth={}", TEST_APP_FINGERPRINT),
    );
    vars.insert(
        "PASSKEY_APPLE_APP_IDS".into(),
        "ABCDE12345.com.example.phoneauth".into(),
    );
    // One fixed test number, for the fuzzer's login (e2e never uses it).
    vars.insert(
        "OTP_TEST_NUMBERS".into(),
        format!(
            "{}={}",
            crate::fuzz_api::TEST_NUMBER,
            crate::fuzz_api::TEST_CODE
        ),
    );
    Ok(vars)
}

/// A worker of its own for the fuzzer, on free ports: codes go to its console (no receiver runs
/// after e2e), and nothing the fuzzer does can touch the e2e worker's state.
pub(super) fn fuzz(stack: &mut Stack) -> crate::Result<()> {
    step("tier fuzz: Schemathesis against each profile's OpenAPI document");
    fuzz_api(stack, FUZZ_EXAMPLES)
}

/// Examples per operation and phase in the test command (about 650 cases, a minute or two);
/// `cargo xtask fuzz-api` runs more.
const FUZZ_EXAMPLES: u32 = 30;

/// Schemathesis with `examples` per operation against a worker of its own on `stack`, once per
/// API profile: each worker serves its profile's document, which the run checks it against.
pub fn fuzz_api(stack: &mut Stack, examples: u32) -> crate::Result<()> {
    build_worker::build_worker(false)?;
    for profile in ["native", "otp-auth-v1"] {
        step(&format!("fuzz: the {profile} profile"));
        let p = &stack.layout;
        let mut vars = e2e_worker_vars(p)?;
        vars.insert("SMS_PROVIDER".into(), "console".into());
        vars.insert("API_PROFILE".into(), profile.into());
        // Every case comes from one address: the profile's request limit would answer most of
        // them 429 before the operation under test ran.
        vars.insert("API_RATE_LIMIT_REQUESTS".into(), "1000000".into());
        // The run logs the test number in twice (a fresh session for the last pass).
        vars.insert("OTP_RESEND_COOLDOWN_SECONDS".into(), "0".into());
        vars.extend(crate::stack::worker::stack_vars(p, &stack.gateway_token));
        let free = || {
            std::net::TcpListener::bind("127.0.0.1:0")
                .and_then(|l| l.local_addr())
                .map(|a| a.port())
                .map_err(|e| e.to_string())
        };
        let worker = crate::stack::worker::RunningWorker::start(crate::stack::worker::Instance {
            name: format!("fuzz-{profile}"),
            port: free()?,
            inspector_port: free()?,
            dir: p.dir.join(format!("worker-fuzz-{profile}")),
            vars,
            hyperdrive_url: p.pooler_url(),
            inherit_output: false,
            config: None,
        })?;
        let introspection = worker.instance.vars["INTROSPECTION_TOKENS"].clone();
        crate::fuzz_api::run(worker.instance.port, examples, &introspection)?;
    }
    Ok(())
}

pub(super) fn e2e(
    stack: &mut Stack,
    env: &[(String, String)],
    args: &[String],
) -> crate::Result<()> {
    step("tier e2e: the worker under wrangler dev");
    build_worker::build_worker(false)?;
    stack.start_worker(e2e_worker_vars(&stack.layout)?, false)?;
    // Every binary runs even after one fails (--no-fail-fast), so one run reports every broken
    // flow. One test thread: the fault tests stop shared backends, which would fail tests
    // running beside them.
    proc::run(
        cargo(&[
            "test",
            "--no-fail-fast",
            "-p",
            "e2e",
            "--",
            "--test-threads=1",
        ])
        .args(args)
        .envs(env.iter().cloned()),
        "see the failing tests above and .stack/test/wrangler.log",
    )
}
