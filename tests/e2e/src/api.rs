//! Calling the auth API as a client would.

use serde_json::{json, Value};
use std::time::Duration;

/// One response: status, JSON body (Null when not JSON), headers.
#[derive(Debug, Clone)]
pub struct Reply {
    pub status: u16,
    pub body: Value,
    pub retry_after: Option<u32>,
    pub set_cookie: Option<String>,
    /// The `RateLimit-Policy` and `RateLimit` header fields, when both came.
    pub rate_limit: Option<(String, String)>,
}

impl Reply {
    pub fn code(&self) -> &str {
        self.body["code"].as_str().unwrap_or("")
    }
}

/// A client of one worker, presenting one client IP (`CF-Connecting-IP`).
#[derive(Clone)]
pub struct Client {
    pub base: String,
    pub ip: String,
    http: reqwest::Client,
}

impl Client {
    /// A client with a random address. Starts the webhook receiver first, so every code the
    /// worker sends from now on has somewhere to go.
    pub fn new(base: &str) -> Self {
        crate::webhook::receiver();
        Self {
            base: base.to_owned(),
            ip: random_ip(),
            http: reqwest::Client::new(),
        }
    }

    pub fn with_ip(mut self, ip: &str) -> Self {
        self.ip = ip.to_owned();
        self
    }

    /// POSTs raw bytes as JSON.
    pub async fn post_raw(&self, path: &str, body: Vec<u8>, cookie: Option<&str>) -> Reply {
        let cookie: Vec<(&str, &str)> = cookie.map(|c| ("cookie", c)).into_iter().collect();
        self.post_bytes(path, body, &cookie).await
    }

    /// POSTs JSON with extra request headers.
    pub async fn post_with_headers(
        &self,
        path: &str,
        body: Value,
        headers: &[(&str, &str)],
    ) -> Reply {
        self.post_bytes(path, body.to_string().into_bytes(), headers)
            .await
    }

    async fn post_bytes(&self, path: &str, body: Vec<u8>, headers: &[(&str, &str)]) -> Reply {
        let mut request = self
            .http
            .post(format!("{}{path}", self.base))
            .header("content-type", "application/json")
            .header("cf-connecting-ip", &self.ip)
            .timeout(Duration::from_secs(20))
            .body(body);
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        let response = request
            .send()
            .await
            .unwrap_or_else(|e| panic!("POST {path}: no answer: {e}"));
        let status = response.status().as_u16();
        let header = |name: &str| header_of(&response, name);
        let retry_after = header("retry-after").and_then(|v| v.parse().ok());
        let set_cookie = header("set-cookie");
        let rate_limit = header("ratelimit-policy").zip(header("ratelimit"));
        let body = response.json().await.unwrap_or(Value::Null);
        crate::openapi::check("POST", path, status, &body);
        Reply {
            status,
            body,
            retry_after,
            set_cookie,
            rate_limit,
        }
    }

    pub async fn post(&self, path: &str, body: Value) -> Reply {
        self.post_raw(path, body.to_string().into_bytes(), None)
            .await
    }

    pub async fn send_otp(&self, phone: &str, session_id: Option<&str>) -> Reply {
        let mut body = json!({"phone_number": phone});
        if let Some(s) = session_id {
            body["session_id"] = json!(s);
        }
        self.post("/api/v1/auth/send-otp", body).await
    }

    /// Sends a code to `phone`, logs in with it, and answers the login body (both must work).
    pub async fn logged_in(&self, phone: &str) -> Value {
        let sent = self.send_otp(phone, None).await;
        assert_eq!(sent.status, 200, "{:?}", sent.body);
        let session = sent.body["session_id"].as_str().unwrap().to_owned();
        let code = crate::webhook::receiver().latest(phone);
        let login = self.login(phone, &code, &session).await;
        assert_eq!(login.status, 200, "{:?}", login.body);
        login.body
    }

    pub async fn login(&self, phone: &str, otp: &str, session_id: &str) -> Reply {
        self.post(
            "/api/v1/auth/login",
            json!({"phone_number": phone, "otp": otp, "session_id": session_id}),
        )
        .await
    }
}

/// A response header's value, when it is text.
pub fn header_of(response: &reqwest::Response, name: &str) -> Option<String> {
    response
        .headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}

/// A valid US number nobody else in this run uses (+1 415 555 XXXX with a random suffix, plus a
/// random exchange digit pattern to keep runs apart).
pub fn random_phone() -> String {
    loop {
        let n = random_u32();
        let candidate = format!("+1415{:03}{:04}", 200 + n % 700, (n / 700) % 10_000);
        if auth_core_valid(&candidate) {
            return candidate;
        }
    }
}

/// The worker validates with libphonenumber rules; so does this check (through the core crate),
/// so tests never trip over a number the service would refuse.
fn auth_core_valid(phone: &str) -> bool {
    auth_core::domain::phone::PhoneNumber::parse(phone, None).is_ok()
}

/// A documentation-range IPv4 address, random per client so limits per IP do not collide.
pub fn random_ip() -> String {
    let n = random_u32();
    format!(
        "198.{}.{}.{}",
        18 + (n % 2),
        (n >> 8) % 256,
        (n >> 16) % 254 + 1
    )
}

pub fn random_u32() -> u32 {
    use rand_core::{OsRng, RngCore};
    OsRng.next_u32()
}

/// `method path` on `base` as the bearer of `token`, with a JSON body when given; the answer is
/// checked against the contract (`openapi::check`) before it is returned.
pub async fn as_bearer(
    base: &str,
    method: &str,
    path: &str,
    token: &str,
    body: Option<Value>,
) -> (u16, Value) {
    let method = reqwest::Method::from_bytes(method.as_bytes()).expect("an HTTP method");
    let mut request = reqwest::Client::new()
        .request(method.clone(), format!("{base}{path}"))
        .bearer_auth(token);
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await.expect("the worker answers");
    let status = response.status().as_u16();
    let body = response.json().await.unwrap_or(Value::Null);
    crate::openapi::check(method.as_str(), path, status, &body);
    (status, body)
}
