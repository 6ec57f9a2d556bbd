//! Bytes per send and per login in Redis, written by the OTP store's own scripts through the
//! bench stack's gateway to its Redis (nothing else writes there during the run):
//! `used_memory` before and after, and each key kind's own size (`MEMORY USAGE`) and lifetime.

use super::block_on_local;
use auth_adapters::upstash::{UpstashOtpStore, UpstashRedis};
use auth_core::config::settings::Settings;
use auth_core::domain::phone::PhoneNumber;
use auth_core::domain::session::SessionId;
use auth_core::ports::{
    Caller, IssueOutcome, IssueRequest, OtpStore, VerifyOutcome, VerifyRequest,
};
const PREFIX: &str = "capacity:";

pub struct Memory {
    pub sends: u32,
    /// `used_memory` growth per send (every key of it alive), then per verified login.
    pub per_send: f64,
    pub per_login: f64,
    /// Each kind of key one send or login leaves: its name, bytes, and seconds it lives.
    pub keys: Vec<(&'static str, i64, i64)>,
}

/// `sends` sends and as many logins through the gateway at `gateway_url`, in front of the
/// Redis on `redis_port`.
pub fn measure(
    gateway_url: &str,
    token: &str,
    redis_port: u16,
    sends: u32,
) -> crate::Result<Memory> {
    block_on_local(run(
        UpstashRedis::new(gateway_url, token),
        redis_port,
        sends,
    ))
}

fn phone(n: u32) -> PhoneNumber {
    PhoneNumber::parse(
        &format!("+98912{:07}", (u64::from(n) * 7919) % 10_000_000),
        None,
    )
    .expect("a valid number")
}

fn session(n: u32) -> SessionId {
    SessionId::parse(&format!("capacity-{n:08}-session-0123456789")).expect("a session id")
}

/// A client address for send `n`: a hundred sends from each, as from a carrier's NAT.
fn address(n: u32) -> String {
    format!("203.0.{}.{}", (n / 100) / 256 % 256, (n / 100) % 256)
}

async fn run(redis: UpstashRedis, redis_port: u16, sends: u32) -> crate::Result<Memory> {
    let store = UpstashOtpStore::new(&redis, PREFIX);
    let s = Settings::from_lookup(|name| match name {
        // Every send issued: the shared budgets out of the way, as at a quiet hour.
        "IP_SENDS_PER_WINDOW" | "IP_LOGINS_PER_WINDOW" => Some("1000000".into()),
        "GLOBAL_SENDS_PER_WINDOW" | "COUNTRY_SENDS_PER_WINDOW" => Some("100000000".into()),
        "COUNTRY_SEND_BUDGETS" => Some("98=100000000".into()),
        "RISK_BREAKER_MIN_SENDS" => Some("1000000".into()),
        _ => None,
    })?;
    let now = super::unix_now();
    let caller = Caller {
        asn: Some(64_500),
        human: false,
        now,
    };
    let before = used_memory(redis_port)?;
    for n in 0..sends {
        let ip = address(n);
        let request = IssueRequest {
            phone: &phone(n),
            session: &session(n),
            mac: &format!("{n:064x}"),
            client_ip: &ip,
            caller,
            settings: &s,
        };
        match store.issue(&request).await.map_err(|e| e.to_string())? {
            c if c.outcome == IssueOutcome::Issued => {}
            other => return Err(format!("send {n} came to {:?}", other.outcome)),
        }
    }
    let sent = used_memory(redis_port)?;
    let keys = key_sizes(redis_port)?;
    for n in 0..sends {
        let ip = address(n);
        let request = VerifyRequest {
            phone: &phone(n),
            session: &session(n),
            mac: &format!("{n:064x}"),
            client_ip: &ip,
            caller,
            settings: &s,
        };
        let verified = store.verify(&request).await.map_err(|e| e.to_string())?;
        if verified.outcome != VerifyOutcome::Verified {
            return Err(format!("login {n} came to {:?}", verified.outcome));
        }
    }
    let logged_in = used_memory(redis_port)?;
    Ok(Memory {
        sends,
        per_send: (sent - before) as f64 / f64::from(sends),
        per_login: (logged_in - sent) as f64 / f64::from(sends),
        keys,
    })
}

/// Asks the run's Redis directly (the gateway serves data commands only).
fn redis_cli(port: u16, args: &[&str]) -> crate::Result<String> {
    crate::proc::output(
        std::process::Command::new("redis-cli")
            .args(["-p", &port.to_string()])
            .args(args),
    )
    .map(|out| out.trim().to_owned())
    .ok_or_else(|| format!("redis-cli {args:?} failed"))
}

fn used_memory(port: u16) -> crate::Result<i64> {
    redis_cli(port, &["INFO", "memory"])?
        .lines()
        .find_map(|l| l.strip_prefix("used_memory:"))
        .and_then(|v| v.trim().parse().ok())
        .ok_or_else(|| "INFO memory has no used_memory".to_owned())
}

/// The keys of send 0 and of its address, and the shared ones: bytes and lifetime each.
fn key_sizes(port: u16) -> crate::Result<Vec<(&'static str, i64, i64)>> {
    let e164 = phone(0).as_e164().to_owned();
    let otp = |suffix: &str| format!("{PREFIX}otp:{{{e164}}}{suffix}");
    let kinds: [(&'static str, String); 10] = [
        ("code (hash)", otp("")),
        ("resend cooldown", otp(":cooldown")),
        ("send window count", otp(":window")),
        ("daily send count", otp(":day")),
        ("undo record", otp(":undo")),
        (
            "address send count",
            format!("{PREFIX}ip:{{{}}}:send", address(0)),
        ),
        ("calling code budget", format!("{PREFIX}budget:{{cc98}}")),
        ("service budget", format!("{PREFIX}budget:{{global}}")),
        ("calling code risk record", format!("{PREFIX}risk:{{cc98}}")),
        ("network risk record", format!("{PREFIX}risk:{{as64500}}")),
    ];
    let mut out = Vec::new();
    for (name, key) in kinds {
        let bytes = redis_cli(port, &["MEMORY", "USAGE", &key])?;
        let ttl = redis_cli(port, &["TTL", &key])?;
        out.push((name, bytes.parse().unwrap_or(0), ttl.parse().unwrap_or(-2)));
    }
    Ok(out)
}
