//! The CPU floor each endpoint's primitives set (issue 32, point 3). A worker of a few lines of
//! JavaScript (`primitives.js`) does one primitive per path through the runtime's own APIs:
//! a gateway call (`fetch`), a TCP connection with two round trips (what a Postgres
//! connection and one statement cost the isolate in socket turns), an ES256 sign and a verify
//! (WebCrypto). The bench measures each on plain workerd like an endpoint, in the same run; an
//! endpoint's floor is the trivial worker's CPU plus what each primitive it needs adds to it.
//! What an endpoint spends above that floor is ours: the wasm, the glue between it and the
//! runtime, the Postgres protocol, JSON.

use super::endpoints::Endpoint;
use super::workerd::PlainWorkerd;
use super::Row;
use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::Path;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Primitive {
    /// One POST to the Redis REST gateway.
    Fetch,
    /// A TCP connection, two round trips (a Postgres startup and one statement), closed.
    Socket,
    /// An ES256 signature (an access token).
    Sign,
    /// An ES256 verification (a bearer's access token).
    Verify,
}

pub const PRIMITIVES: [Primitive; 4] = [
    Primitive::Fetch,
    Primitive::Socket,
    Primitive::Sign,
    Primitive::Verify,
];

impl Primitive {
    pub fn path(self) -> &'static str {
        match self {
            Primitive::Fetch => "/fetch",
            Primitive::Socket => "/socket",
            Primitive::Sign => "/sign",
            Primitive::Verify => "/verify",
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Primitive::Fetch => "gateway call",
            Primitive::Socket => "connection + 2 round trips",
            Primitive::Sign => "ES256 sign",
            Primitive::Verify => "ES256 verify",
        }
    }
}

/// The primitives a request of `endpoint` needs, as the bench drives it.
pub fn needs(endpoint: Endpoint) -> &'static [Primitive] {
    use Primitive::*;
    match endpoint {
        Endpoint::SendOtp => &[Fetch],
        // The bench's logins are of returning numbers: the code's check, the account write
        // alone (the account the store remembers), and the access token.
        Endpoint::Login => &[Fetch, Socket, Sign],
        Endpoint::Refresh => &[Socket, Sign],
        Endpoint::Profile => &[Verify, Socket],
        // A proof's check is an import of its key and a verify; its `jti` one gateway call.
        Endpoint::DpopRefresh => &[Verify, Fetch, Socket, Sign],
        Endpoint::DpopProfile => &[Verify, Verify, Fetch, Socket],
        Endpoint::TrivialWorker
        | Endpoint::Live
        | Endpoint::Jwks
        | Endpoint::Mixed
        | Endpoint::Primitive(_) => &[],
    }
}

/// The CPU floor of `endpoint`, ms per request: the trivial worker's CPU plus what each of its
/// primitives adds above the trivial worker (`cpu_of` gives a primitive's measured CPU).
pub fn cpu_floor(endpoint: Endpoint, trivial: f64, cpu_of: impl Fn(Primitive) -> f64) -> f64 {
    trivial
        + needs(endpoint)
            .iter()
            .map(|&p| (cpu_of(p) - trivial).max(0.0))
            .sum::<f64>()
}

/// Issue 32's goals of worker CPU per request on plain workerd, ms: this issue's, and the
/// long-term ones (issue 16's) kept beside them.
const CPU_GOALS: [(Endpoint, f64, f64); 6] = [
    (Endpoint::Login, 1.3, 1.0),
    (Endpoint::Refresh, 0.7, 0.5),
    (Endpoint::Profile, 0.7, 0.5),
    (Endpoint::SendOtp, 0.5, 0.5),
    (Endpoint::Jwks, 0.15, 0.15),
    (Endpoint::Live, 0.15, 0.15),
];

/// An endpoint this many times its primitives' floor gets a profile in BENCHMARKS.md.
const PROFILE_ABOVE: f64 = 2.0;

/// The primitives' CPU and each endpoint's against its floor. `own` is each endpoint's worker
/// CPU per request (plain workerd; login's without its send), `trivial` the trivial worker's.
pub fn print_cpu_floors(own: &[(Endpoint, f64)], trivial: f64, primitive_rows: &[Row]) {
    let cpu_of = |p: Primitive| {
        primitive_rows
            .iter()
            .find(|r| r.endpoint == Endpoint::Primitive(p))
            .map_or(f64::NAN, |r| r.worker_cpu_ms)
    };
    println!(
        "\n### CPU floors, plain workerd\n\nEach primitive on a worker that does only it \
         (`xtask/src/bench/primitives.js`), same run:\n\n\
         | primitive | worker CPU ms/req | above the trivial worker |\n|---|---:|---:|"
    );
    for p in PRIMITIVES {
        println!(
            "| {} | {:.3} | {:.3} |",
            p.name(),
            cpu_of(p),
            cpu_of(p) - trivial
        );
    }
    println!(
        "\n| endpoint | worker CPU ms/req | its primitives | floor ms | CPU / floor |\n\
         |---|---:|---|---:|---:|"
    );
    for &(endpoint, cpu) in own {
        if matches!(endpoint, Endpoint::TrivialWorker) {
            continue;
        }
        let floor = cpu_floor(endpoint, trivial, cpu_of);
        let names: Vec<&str> = needs(endpoint).iter().map(|p| p.name()).collect();
        let ratio = cpu / floor;
        println!(
            "| {} | {cpu:.3} | runtime{}{} | {floor:.3} | {ratio:.2}x{} |",
            endpoint.name(),
            if names.is_empty() { "" } else { " + " },
            names.join(" + "),
            if ratio > PROFILE_ABOVE {
                " (profiled)"
            } else {
                ""
            }
        );
    }
    println!(
        "\nAn endpoint above {PROFILE_ABOVE}x its floor has its profile in BENCHMARKS.md \
         (`cargo xtask cpu-profile`)."
    );
}

/// Each endpoint's worker CPU against issue 32's goal and the long-term one.
pub fn print_cpu_goals(own: &[(Endpoint, f64)]) {
    for (endpoint, goal, long_term) in CPU_GOALS {
        if let Some((_, cpu)) = own.iter().find(|(e, _)| *e == endpoint) {
            println!(
                "- {}: worker CPU at most {goal} ms per request: {cpu:.2} ms ({}; long-term \
                 goal {long_term} ms: {})",
                endpoint.name(),
                super::report::met(*cpu <= goal),
                super::report::met(*cpu <= long_term)
            );
        }
    }
}

/// The primitives worker on plain workerd, its sockets answered by an echo server.
pub fn start(
    dir: &Path,
    port: u16,
    gateway_url: &str,
    gateway_token: &str,
) -> crate::Result<PlainWorkerd> {
    std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let script = dir.join("primitives.js");
    std::fs::write(&script, include_str!("primitives.js"))
        .map_err(|e| format!("{}: {e}", script.display()))?;
    let vars = BTreeMap::from([
        ("GATEWAY_URL".to_owned(), gateway_url.to_owned()),
        ("GATEWAY_TOKEN".to_owned(), gateway_token.to_owned()),
        ("ECHO_ADDRESS".to_owned(), echo_server()?.to_string()),
    ]);
    PlainWorkerd::start(&script, port, &vars, None, &dir.join("workerd.log"))
}

/// Echoes every connection's bytes back until it closes; runs for the rest of the process.
fn echo_server() -> crate::Result<SocketAddr> {
    let listener =
        TcpListener::bind("127.0.0.1:0").map_err(|e| format!("echo: no free port: {e}"))?;
    let address = listener.local_addr().map_err(|e| e.to_string())?;
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            std::thread::spawn(move || echo(stream));
        }
    });
    Ok(address)
}

fn echo(mut stream: TcpStream) {
    let mut buffer = [0u8; 4096];
    while let Ok(n @ 1..) = stream.read(&mut buffer) {
        if stream.write_all(&buffer[..n]).is_err() {
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_endpoints_floor_adds_what_each_primitive_costs_above_the_trivial_worker() {
        let cpu = |p| match p {
            Primitive::Fetch => 0.25,
            Primitive::Socket => 0.45,
            Primitive::Sign => 0.15,
            Primitive::Verify => 0.20,
        };
        let floor = |e| cpu_floor(e, 0.05, cpu);
        assert!((floor(Endpoint::Live) - 0.05).abs() < 1e-9);
        assert!((floor(Endpoint::SendOtp) - 0.25).abs() < 1e-9);
        // 0.05 + 0.20 (fetch) + 0.40 (socket) + 0.10 (sign)
        assert!((floor(Endpoint::Login) - 0.75).abs() < 1e-9);
        // 0.05 + 0.15 (verify) + 0.40 (socket)
        assert!((floor(Endpoint::Profile) - 0.60).abs() < 1e-9);
    }

    #[test]
    fn the_echo_answers_what_it_was_sent() {
        let address = echo_server().unwrap();
        let mut stream = TcpStream::connect(address).unwrap();
        stream.write_all(b"startup").unwrap();
        let mut answer = [0u8; 7];
        stream.read_exact(&mut answer).unwrap();
        assert_eq!(&answer, b"startup");
    }
}
