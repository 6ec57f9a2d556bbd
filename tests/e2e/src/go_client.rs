//! A client of the Go service (otp-auth v1) as its apps are written: a cookie jar and no token
//! handling of its own. Every answer is checked against `openapi/otp-auth-v1.yaml`.

use crate::openapi::{check_in, otp_auth_v1};
use serde_json::Value;
use std::collections::BTreeMap;

/// A client of the Go service: it keeps the cookies it is given and sends them back.
pub struct GoClient {
    base: String,
    http: reqwest::Client,
    pub jar: BTreeMap<String, String>,
    /// The `Set-Cookie` headers of the last answer.
    set: Vec<String>,
    /// The `Location` of the last answer.
    pub location: Option<String>,
    /// Every header of the last answer.
    headers: reqwest::header::HeaderMap,
}

pub struct Answer {
    pub status: u16,
    pub body: Value,
}

impl GoClient {
    pub fn new(base: &str) -> Self {
        Self {
            base: base.to_owned(),
            // A redirect is an answer to check, not to follow.
            http: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap(),
            jar: BTreeMap::new(),
            set: Vec::new(),
            location: None,
            headers: reqwest::header::HeaderMap::new(),
        }
    }

    /// Sends a request with the jar's cookies (and `extra` headers), keeps the cookies of the
    /// answer, and checks the answer against the profile's document.
    pub async fn send(
        &mut self,
        method: &str,
        path: &str,
        body: Option<Value>,
        extra: &[(&str, &str)],
    ) -> Answer {
        let method_value = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
        let mut request = self
            .http
            .request(method_value, format!("{}{path}", self.base));
        if !self.jar.is_empty() {
            let cookies: Vec<String> = self.jar.iter().map(|(k, v)| format!("{k}={v}")).collect();
            request = request.header("cookie", cookies.join("; "));
        }
        if let Some(body) = body {
            request = request.json(&body);
        }
        for (name, value) in extra {
            request = request.header(*name, *value);
        }
        let response = request.send().await.unwrap();
        let status = response.status().as_u16();
        self.headers = response.headers().clone();
        self.location = response
            .headers()
            .get("location")
            .map(|v| v.to_str().unwrap().to_owned());
        self.set = response
            .headers()
            .get_all("set-cookie")
            .iter()
            .map(|v| v.to_str().unwrap().to_owned())
            .collect();
        for header in &self.set {
            let (pair, attributes) = header.split_once(';').unwrap_or((header, ""));
            let (name, value) = pair.split_once('=').unwrap();
            if attributes.contains("Max-Age=0") {
                self.jar.remove(name);
            } else {
                self.jar.insert(name.to_owned(), value.to_owned());
            }
        }
        let body = response.json().await.unwrap_or(Value::Null);
        check_in(otp_auth_v1(), method, path, status, &body);
        Answer { status, body }
    }

    /// A header of the last answer.
    pub fn header(&self, name: &str) -> Option<String> {
        self.headers
            .get(name)
            .map(|v| v.to_str().unwrap().to_owned())
    }

    /// The `Set-Cookie` of the last answer for `name`.
    pub fn set_cookie(&self, name: &str) -> Option<&str> {
        self.set
            .iter()
            .find(|h| h.starts_with(&format!("{name}=")))
            .map(String::as_str)
    }
}

impl GoClient {
    /// Sends a code to `typed` (as the user typed the number), reads it at the SMS receiver
    /// under `e164`, and logs in with it; answers the login.
    pub async fn log_in(&mut self, typed: &str, e164: &str) -> Answer {
        let sent = self
            .send(
                "POST",
                "/api/v1/auth/send-otp",
                Some(serde_json::json!({"phone_number": typed})),
                &[],
            )
            .await;
        assert_eq!(sent.status, 200, "{}", sent.body);
        let code = crate::webhook::receiver().latest(e164);
        let login = serde_json::json!({"phone_number": typed, "otp": code});
        self.send("POST", "/api/v1/auth/login", Some(login), &[])
            .await
    }
}

/// The Go service's error shape: `status` with `code`.
pub fn assert_error(answer: &Answer, status: u16, code: &str) {
    assert_eq!(answer.status, status, "{}", answer.body);
    assert_eq!(answer.body["code"], code, "{}", answer.body);
}
