//! What the load generator asks for: one actor per connection, with the state a flow needs
//! (its own test number, its tokens), and the measured part of each step.

use super::dpop::DpopClient;
use super::http::{Connection, Request, Response};
use super::primitives::Primitive;
use super::worker_vars::{test_number, TEST_CODE};
use std::cell::Cell;
use std::time::{Duration, Instant};

const REFRESH: &str = "/api/v1/auth/refresh";

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
    /// Refresh and profile with a pair bound to the actor's DPoP key: each request carries a
    /// fresh proof (RFC 9449), which the worker verifies and whose `jti` it takes in Redis.
    DpopRefresh,
    DpopProfile,
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
            Endpoint::DpopRefresh => "refresh (DPoP)",
            Endpoint::DpopProfile => "profile (DPoP)",
            Endpoint::Mixed => "mixed",
            Endpoint::Primitive(p) => p.name(),
        }
    }

    /// A flow whose pair is bound to a DPoP key.
    pub fn is_dpop(self) -> bool {
        matches!(self, Endpoint::DpopRefresh | Endpoint::DpopProfile)
    }
}

/// One connection's flow.
pub struct Actor {
    endpoint: Endpoint,
    conn: Connection,
    phone: String,
    access: String,
    refresh: String,
    /// The DPoP flows' key and nonce.
    dpop: Option<DpopClient>,
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
            dpop: None,
            seed: Cell::new(0x9e37_79b9_7f4a_7c15 ^ (index as u64 + 1).wrapping_mul(0x2545_f491)),
            turn: 0,
        };
        if endpoint.is_dpop() {
            actor.dpop = Some(DpopClient::new(actor.origin().await?));
        }
        if matches!(
            endpoint,
            Endpoint::Refresh | Endpoint::Profile | Endpoint::Mixed
        ) || endpoint.is_dpop()
        {
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
            Endpoint::DpopRefresh => {
                let body = format!(r#"{{"refresh_token":"{}"}}"#, self.refresh);
                let req = self.proved(Request::post_json(REFRESH, body), None);
                let (took, reply) = self.timed(req, 200).await?;
                self.keep_tokens(&reply)?;
                Ok(took)
            }
            Endpoint::DpopProfile => {
                let access = self.access.clone();
                let req = Request::get("/api/v1/users/profile")
                    .header("authorization", format!("DPoP {access}"));
                let req = self.proved(req, Some(&access));
                let (took, reply) = self.timed(req, 200).await?;
                self.keep_nonce(&reply);
                Ok(took)
            }
            Endpoint::Primitive(p) => self
                .timed(Request::get(p.path()), 200)
                .await
                .map(|(d, _)| d),
            Endpoint::Mixed => unreachable!("the mix picks a single endpoint"),
        }
    }

    /// The worker's origin as it sees itself: where the metadata names its refresh endpoint.
    async fn origin(&mut self) -> Result<String, String> {
        let meta = self
            .expect(Request::get("/.well-known/oauth-authorization-server"), 200)
            .await?;
        let refresh = meta
            .json()
            .and_then(|j| j["refresh_endpoint"].as_str().map(str::to_owned))
            .ok_or("the metadata names no refresh endpoint")?;
        Ok(refresh.trim_end_matches(REFRESH).to_owned())
    }

    /// `req` with a fresh DPoP proof by the actor's key, when the flow is bound.
    fn proved(&self, req: Request, access_token: Option<&str>) -> Request {
        match &self.dpop {
            Some(dpop) => {
                let proof = dpop.proof(req.method, &req.path, access_token);
                req.header("dpop", proof)
            }
            None => req,
        }
    }

    /// The nonce a DPoP client meets first: a proof without one is refused with it.
    async fn first_nonce(&mut self) -> Result<(), String> {
        let req = self.proved(Request::post_json(REFRESH, "{}".into()), None);
        let told = self.expect(req, 401).await?;
        let nonce = told.dpop_nonce.ok_or("a DPoP refusal without DPoP-Nonce")?;
        if let Some(dpop) = &mut self.dpop {
            dpop.nonce = Some(nonce);
        }
        Ok(())
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
        if self.dpop.as_ref().is_some_and(|d| d.nonce.is_none()) {
            self.first_nonce().await?;
        }
        let req = self.proved(Request::post_json("/api/v1/auth/login", body), None);
        let (took, reply) = self.timed(req, 200).await?;
        self.keep_tokens(&reply)?;
        Ok(took)
    }

    fn keep_tokens(&mut self, reply: &Response) -> Result<(), String> {
        let json = reply.json().ok_or("a token answer that is not JSON")?;
        let field = |name: &str| json[name].as_str().map(str::to_owned);
        self.access = field("access_token").ok_or("no access_token")?;
        self.refresh = field("refresh_token").ok_or("no refresh_token")?;
        self.keep_nonce(reply);
        Ok(())
    }

    /// The latest server nonce, for the next proof.
    fn keep_nonce(&mut self, reply: &Response) {
        if let (Some(dpop), Some(nonce)) = (&mut self.dpop, &reply.dpop_nonce) {
            dpop.nonce = Some(nonce.clone());
        }
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
