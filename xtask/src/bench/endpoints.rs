//! What the load generator asks for: one actor per connection, with the state a flow needs
//! (its own test number, its tokens), and the measured part of each step.

use super::http::{Connection, Request, Response};
use super::primitives::Primitive;
use crate::devvars;
use std::cell::Cell;
use std::time::{Duration, Instant};

/// The fixed code of the bench worker's test numbers (`OTP_TEST_NUMBERS`).
pub const TEST_CODE: &str = "246810";

/// The bench worker's test numbers, one per connection: +1 415 555 01xx.
pub fn test_number(index: usize) -> String {
    format!("+141555501{:02}", index % 100)
}

/// `OTP_TEST_NUMBERS` for `count` connections.
pub fn test_numbers_setting(count: usize) -> String {
    (0..count.min(100))
        .map(|i| format!("{}={TEST_CODE}", test_number(i)))
        .collect::<Vec<_>>()
        .join(",")
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Endpoint {
    /// `GET /` of a trivial JavaScript worker on the same runtime: the floor.
    TrivialWorker,
    /// `GET /live` of this worker: routing, the wrapper, no backend.
    Live,
    Jwks,
    SendOtp,
    /// Each timed login follows an untimed send-otp for the connection's test number.
    Login,
    Refresh,
    Profile,
    /// The soak's mix, in turn: profile, refresh, JWKS, send-otp + login.
    Mixed,
    /// One primitive of the primitives worker (`primitives.rs`): an endpoint's CPU floor.
    Primitive(Primitive),
}

impl Endpoint {
    pub fn name(self) -> &'static str {
        match self {
            Endpoint::TrivialWorker => "trivial worker",
            Endpoint::Live => "live",
            Endpoint::Jwks => "jwks",
            Endpoint::SendOtp => "send-otp",
            Endpoint::Login => "login",
            Endpoint::Refresh => "refresh",
            Endpoint::Profile => "profile",
            Endpoint::Mixed => "mixed",
            Endpoint::Primitive(p) => p.name(),
        }
    }
}

/// One connection's flow.
pub struct Actor {
    endpoint: Endpoint,
    conn: Connection,
    phone: String,
    access: String,
    refresh: String,
    seed: Cell<u64>,
    turn: usize,
}

impl Actor {
    /// Opens the connection and, for the flows that need one, logs in first.
    pub async fn start(endpoint: Endpoint, port: u16, index: usize) -> Result<Self, String> {
        let mut actor = Self {
            endpoint,
            conn: Connection::new(port),
            phone: test_number(index),
            access: String::new(),
            refresh: String::new(),
            seed: Cell::new(0x9e37_79b9_7f4a_7c15 ^ (index as u64 + 1).wrapping_mul(0x2545_f491)),
            turn: 0,
        };
        if matches!(
            endpoint,
            Endpoint::Refresh | Endpoint::Profile | Endpoint::Mixed
        ) {
            actor.login().await?;
        }
        Ok(actor)
    }

    /// The access token of the actor's login (empty for the flows that do not log in).
    pub fn access_token(&self) -> &str {
        &self.access
    }

    /// One request of the flow; returns how long the measured request took.
    pub async fn step(&mut self) -> Result<Duration, String> {
        let endpoint = match self.endpoint {
            Endpoint::Mixed => {
                self.turn += 1;
                [
                    Endpoint::Profile,
                    Endpoint::Refresh,
                    Endpoint::Jwks,
                    Endpoint::Login,
                ][self.turn % 4]
            }
            other => other,
        };
        match endpoint {
            Endpoint::TrivialWorker => self.timed(Request::get("/"), 200).await.map(|(d, _)| d),
            Endpoint::Live => self.timed(Request::get("/live"), 200).await.map(|(d, _)| d),
            Endpoint::Jwks => self
                .timed(Request::get("/.well-known/jwks.json"), 200)
                .await
                .map(|(d, _)| d),
            Endpoint::SendOtp => {
                let phone = format!("+1650253{:04}", self.random() % 10_000);
                let body = format!(r#"{{"phone_number":"{phone}"}}"#);
                let req = Request::post_json("/api/v1/auth/send-otp", body);
                self.timed(req, 200).await.map(|(d, _)| d)
            }
            Endpoint::Login => self.login().await,
            Endpoint::Refresh => {
                let body = format!(r#"{{"refresh_token":"{}"}}"#, self.refresh);
                let req = Request::post_json("/api/v1/auth/refresh", body);
                let (took, reply) = self.timed(req, 200).await?;
                self.keep_tokens(&reply)?;
                Ok(took)
            }
            Endpoint::Profile => {
                let req = Request::get("/api/v1/users/profile")
                    .header("authorization", format!("Bearer {}", self.access));
                self.timed(req, 200).await.map(|(d, _)| d)
            }
            Endpoint::Primitive(p) => self
                .timed(Request::get(p.path()), 200)
                .await
                .map(|(d, _)| d),
            Endpoint::Mixed => unreachable!("the mix picks a single endpoint"),
        }
    }

    /// send-otp (not timed) and login (timed) for this connection's test number.
    async fn login(&mut self) -> Result<Duration, String> {
        let body = format!(r#"{{"phone_number":"{}"}}"#, self.phone);
        let sent = self
            .expect(Request::post_json("/api/v1/auth/send-otp", body), 200)
            .await?;
        let session = sent
            .json()
            .and_then(|j| j["session_id"].as_str().map(str::to_owned))
            .ok_or("send-otp answered without a session_id")?;
        let body = format!(
            r#"{{"phone_number":"{}","otp":"{TEST_CODE}","session_id":"{session}"}}"#,
            self.phone
        );
        let (took, reply) = self
            .timed(Request::post_json("/api/v1/auth/login", body), 200)
            .await?;
        self.keep_tokens(&reply)?;
        Ok(took)
    }

    fn keep_tokens(&mut self, reply: &Response) -> Result<(), String> {
        let json = reply.json().ok_or("a token answer that is not JSON")?;
        let field = |name: &str| json[name].as_str().map(str::to_owned);
        self.access = field("access_token").ok_or("no access_token")?;
        self.refresh = field("refresh_token").ok_or("no refresh_token")?;
        Ok(())
    }

    async fn timed(&mut self, req: Request, want: u16) -> Result<(Duration, Response), String> {
        let started = Instant::now();
        let reply = self.expect(req, want).await?;
        Ok((started.elapsed(), reply))
    }

    async fn expect(&mut self, req: Request, want: u16) -> Result<Response, String> {
        let reply = self
            .conn
            .send(&req)
            .await
            .map_err(|e| format!("{} {}: {e}", req.method, req.path))?;
        if reply.status != want {
            return Err(format!(
                "{} {} answered {}: {}",
                req.method,
                req.path,
                reply.status,
                String::from_utf8_lossy(&reply.body)
            ));
        }
        Ok(reply)
    }

    /// xorshift: phone numbers for send-otp, not secrets.
    fn random(&self) -> u64 {
        let mut x = self.seed.get();
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.seed.set(x);
        x
    }
}

/// The worker's settings for the benchmark: limits out of the way (the benchmark measures the
/// work, not the refusals), console SMS, and one test number per connection.
pub(crate) fn bench_vars() -> crate::Result<std::collections::BTreeMap<String, String>> {
    let mut vars = devvars::fresh()?;
    for (k, v) in [
        ("SMS_PROVIDER", "console"),
        ("OTP_RESEND_COOLDOWN_SECONDS", "0"),
        ("OTP_SENDS_PER_WINDOW", "1000"),
        ("OTP_SEND_WINDOW_SECONDS", "1"),
        ("OTP_SENDS_PER_DAY", "10000"),
        ("IP_SENDS_PER_WINDOW", "1000000"),
        ("IP_SEND_WINDOW_SECONDS", "1"),
        ("IP_LOGINS_PER_WINDOW", "1000000"),
        ("IP_LOGIN_WINDOW_SECONDS", "1"),
        ("COUNTRY_SENDS_PER_WINDOW", "100000000"),
        ("GLOBAL_SENDS_PER_WINDOW", "100000000"),
        ("PHONE_GUESSES_PER_WINDOW", "1000000"),
        // Judged on every send, never tripped: send-otp's load never logs in.
        ("RISK_BREAKER_MIN_SENDS", "1000000"),
    ] {
        vars.insert(k.into(), v.into());
    }
    vars.insert(
        "OTP_TEST_NUMBERS".into(),
        test_numbers_setting(super::MAX_CONNECTIONS),
    );
    vars.insert(
        "REDIS_KEY_PREFIX".into(),
        format!("bench-{}:", devvars::random_token(6)),
    );
    Ok(vars)
}
