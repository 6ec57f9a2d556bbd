//! Cookie mode with its double-submit CSRF check, and CORS for configured origins only.

use auth_core::http::api_profile::CookieNames;
use auth_core::http::routes::cookies::{ACCESS, CSRF, REFRESH, SESSION};
use auth_core::http::routes::ROUTES;
use e2e::api::{random_phone, Client};
use e2e::webhook::receiver;
use e2e::{base_url, variants};
use reqwest::header::HeaderMap;
use serde_json::{json, Value};
use std::collections::HashMap;

const APP: &str = "https://app.example.com";

/// Name -> (value, attributes) of every Set-Cookie of a response.
fn set_cookies(headers: &HeaderMap) -> HashMap<String, (String, String)> {
    headers
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .filter_map(|c| {
            let (pair, attributes) = c.split_once(';').unwrap_or((c, ""));
            let (name, value) = pair.split_once('=')?;
            Some((name.to_owned(), (value.to_owned(), attributes.to_owned())))
        })
        .collect()
}

async fn send(
    method: reqwest::Method,
    url: &str,
    cookies: &HashMap<String, String>,
    csrf: Option<&str>,
    body: Option<Value>,
) -> (u16, Value, HeaderMap) {
    let cookie = cookies
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("; ");
    let mut request = reqwest::Client::new()
        .request(method, url)
        .header("cookie", cookie);
    if let Some(token) = csrf {
        request = request.header("x-csrf-token", token);
    }
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await.unwrap();
    let (status, headers) = (response.status().as_u16(), response.headers().clone());
    (
        status,
        response.json().await.unwrap_or(Value::Null),
        headers,
    )
}

#[tokio::test]
async fn in_cookie_mode_browsers_authenticate_by_cookie_and_state_changes_need_the_csrf_token() {
    let worker = variants::start(
        "cookies",
        &[("COOKIE_MODE", "on"), ("CORS_ALLOWED_ORIGINS", APP)],
    );
    receiver(); // codes must have somewhere to go before the first send
    let base = worker.instance.url();
    let phone = random_phone();
    let mut jar: HashMap<String, String> = HashMap::new();

    // send-otp sets the session cookie; login takes the session from it.
    let (status, _, headers) = send(
        reqwest::Method::POST,
        &format!("{base}/api/v1/auth/send-otp"),
        &jar,
        None,
        Some(json!({"phone_number": phone})),
    )
    .await;
    assert_eq!(status, 200);
    let set = set_cookies(&headers);
    let (session, attributes) = &set[SESSION];
    assert!(
        attributes.contains("HttpOnly")
            && attributes.contains("Secure")
            && attributes.contains("SameSite=Lax")
    );
    jar.insert(SESSION.into(), session.clone());
    let login_body = json!({"phone_number": phone, "otp": receiver().latest(&phone)});
    let (status, body, headers) = send(
        reqwest::Method::POST,
        &format!("{base}/api/v1/auth/login"),
        &jar,
        None,
        Some(login_body),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let set = set_cookies(&headers);
    assert!(set[ACCESS].1.contains("HttpOnly"));
    assert!(set[REFRESH].1.contains("HttpOnly") && set[REFRESH].1.contains("Path=/api/v1/auth"));
    assert!(
        !set[CSRF].1.contains("HttpOnly"),
        "the page must be able to read the CSRF token"
    );
    assert_eq!(set[ACCESS].0, body["access_token"].as_str().unwrap());
    assert_eq!(
        set[SESSION].0,
        body["session_id"].as_str().unwrap(),
        "the session cookie now names the session login started"
    );
    assert_eq!(
        set[CSRF].0,
        body["csrf_token"].as_str().unwrap(),
        "the CSRF token is in the body too, for pages on other allowed origins"
    );
    for name in [ACCESS, CSRF] {
        let attributes = &set[name].1;
        assert!(
            name.starts_with("__Host-")
                && attributes.contains("Secure")
                && attributes.contains("Path=/;")
                && !attributes.contains("Domain"),
            "{name}: {attributes}"
        );
    }
    for name in [REFRESH, SESSION] {
        assert!(name.starts_with("__Secure-") && set[name].1.contains("Secure"));
    }
    for name in [ACCESS, REFRESH, CSRF, SESSION] {
        jar.insert(name.into(), set[name].0.clone());
    }
    let csrf = jar[CSRF].clone();

    // A read authenticates with the cookie alone.
    let (status, profile, _) = send(
        reqwest::Method::GET,
        &format!("{base}/api/v1/users/profile"),
        &jar,
        None,
        None,
    )
    .await;
    assert_eq!(status, 200, "{profile}");

    // A state change by cookie needs the matching header.
    let refresh_url = format!("{base}/api/v1/auth/refresh");
    for bad in [None, Some("wrong-token")] {
        let (status, error, _) = send(
            reqwest::Method::POST,
            &refresh_url,
            &jar,
            bad,
            Some(json!({})),
        )
        .await;
        assert_eq!(
            (status, error["code"].as_str()),
            (403, Some("FORBIDDEN")),
            "{bad:?}"
        );
    }
    let (status, body, headers) = send(
        reqwest::Method::POST,
        &refresh_url,
        &jar,
        Some(&csrf),
        Some(json!({})),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let set = set_cookies(&headers);
    assert_ne!(
        set[REFRESH].0, jar[REFRESH],
        "the cookie rotates with the token"
    );
    for name in [ACCESS, REFRESH, CSRF] {
        jar.insert(name.into(), set[name].0.clone());
    }
    let csrf = jar[CSRF].clone();

    let sessions_url = format!("{base}/api/v1/auth/sessions/no-such-session-0123456789");
    let (status, _, _) = send(reqwest::Method::DELETE, &sessions_url, &jar, None, None).await;
    assert_eq!(
        status, 403,
        "a cookie-authenticated delete needs the CSRF header"
    );
    let (status, _, _) = send(
        reqwest::Method::DELETE,
        &sessions_url,
        &jar,
        Some(&csrf),
        None,
    )
    .await;
    assert_eq!(status, 404, "with it, the request goes through");

    let logout_url = format!("{base}/api/v1/auth/logout");
    assert_eq!(
        send(
            reqwest::Method::POST,
            &logout_url,
            &jar,
            None,
            Some(json!({}))
        )
        .await
        .0,
        403
    );
    let (status, _, headers) = send(
        reqwest::Method::POST,
        &logout_url,
        &jar,
        Some(&csrf),
        Some(json!({})),
    )
    .await;
    assert_eq!(status, 200);
    let cleared = set_cookies(&headers);
    for name in [ACCESS, REFRESH, SESSION, CSRF] {
        assert!(cleared[name].1.contains("Max-Age=0"), "{name} is cleared");
    }
}

#[tokio::test]
async fn cors_answers_configured_origins_only() {
    let worker = variants::start(
        "cors",
        &[(
            "CORS_ALLOWED_ORIGINS",
            &format!("{APP}, https://admin.example.com"),
        )],
    );
    let url = format!("{}/api/v1/auth/send-otp", worker.instance.url());
    let http = reqwest::Client::new();
    let preflight = |origin: &'static str| {
        http.request(reqwest::Method::OPTIONS, &url)
            .header("origin", origin)
            .header("access-control-request-method", "POST")
            .send()
    };
    let allowed = preflight(APP).await.unwrap();
    assert_eq!(allowed.status().as_u16(), 204);
    assert_eq!(allowed.headers()["access-control-allow-origin"], APP);
    assert_eq!(
        allowed.headers()["access-control-allow-credentials"],
        "true"
    );
    assert!(allowed.headers()["access-control-allow-headers"]
        .to_str()
        .unwrap()
        .contains("x-csrf-token"));
    let refused = preflight("https://evil.example.net").await.unwrap();
    assert_eq!(refused.status().as_u16(), 403);
    assert!(refused
        .headers()
        .get("access-control-allow-origin")
        .is_none());

    let from = |origin: &'static str| {
        http.get(format!("{}/health", worker.instance.url()))
            .header("origin", origin)
            .send()
    };
    let ok = from(APP).await.unwrap();
    assert_eq!(ok.headers()["access-control-allow-origin"], APP);
    // A page may read when to retry and, under otp-auth-v1, its request-limit standing.
    let exposed = ok.headers()["access-control-expose-headers"]
        .to_str()
        .unwrap();
    for header in ["retry-after", "x-ratelimit-remaining", "x-ratelimit-reset"] {
        assert!(exposed.contains(header), "{exposed}");
    }
    let other = from("https://evil.example.net").await.unwrap();
    assert_eq!(other.status().as_u16(), 200);
    assert!(other.headers().get("access-control-allow-origin").is_none());
}

#[tokio::test]
async fn without_cookie_mode_cookies_authenticate_nothing() {
    let c = Client::new(&base_url());
    let phone = random_phone();
    let sent = c.send_otp(&phone, None).await;
    assert!(
        sent.set_cookie.is_none(),
        "no cookies unless cookie mode is on"
    );
    let session = sent.body["session_id"].as_str().unwrap().to_owned();
    let login = c.login(&phone, &receiver().latest(&phone), &session).await;
    let jar: HashMap<String, String> = HashMap::from([
        (
            ACCESS.to_owned(),
            login.body["access_token"].as_str().unwrap().to_owned(),
        ),
        (
            REFRESH.to_owned(),
            login.body["refresh_token"].as_str().unwrap().to_owned(),
        ),
    ]);
    let (status, _, _) = send(
        reqwest::Method::GET,
        &format!("{}/api/v1/users/profile", base_url()),
        &jar,
        None,
        None,
    )
    .await;
    assert_eq!(status, 401);
    let (status, body, _) = send(
        reqwest::Method::POST,
        &format!("{}/api/v1/auth/refresh", base_url()),
        &jar,
        None,
        Some(json!({})),
    )
    .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (400, Some("INVALID_REQUEST"))
    );
}

/// Every state change a cookie can authenticate, walked from the route table: a request that
/// carries the credential cookie without the CSRF proof is refused before its handler (403),
/// and the same request with the proof reaches the handler, which refuses the bogus credential
/// (401).
#[tokio::test]
async fn no_cookie_authenticated_state_change_reaches_its_handler_without_the_csrf_proof() {
    let worker = variants::start("cookies-walk", &[("COOKIE_MODE", "on")]);
    let base = worker.instance.url();
    let guarded: Vec<_> = ROUTES
        .iter()
        .filter(|r| {
            r.changes_state
                && CookieNames::default()
                    .for_credential(r.credential)
                    .is_some()
        })
        .collect();
    assert_eq!(
        guarded.len(),
        12,
        "refresh, logout, session revoke, an admin's scope change, block, unblock and \
         deletion, the user's own deletion, the two steps of a number change, and a passkey's \
         registration and removal"
    );
    for route in guarded {
        let path = route.template.replace("{id}", "s-0123456789abcdef");
        let url = format!("{base}{path}");
        let method = reqwest::Method::from_bytes(route.method.as_str().as_bytes()).unwrap();
        let credential = CookieNames::default()
            .for_credential(route.credential)
            .unwrap();
        let jar: HashMap<String, String> = [
            (credential.to_owned(), "bogus-credential".to_owned()),
            (CSRF.to_owned(), "proof-0123456789".to_owned()),
        ]
        .into();
        let body = route.json_body.then(|| json!({}));
        for wrong in [None, Some("proof-9876543210")] {
            let (status, error, _) = send(method.clone(), &url, &jar, wrong, body.clone()).await;
            assert_eq!(
                (status, error["code"].as_str()),
                (403, Some("FORBIDDEN")),
                "{path} with {wrong:?}: {error}"
            );
        }
        let (status, error, _) = send(method, &url, &jar, Some("proof-0123456789"), body).await;
        assert_eq!(
            status, 401,
            "{path}: with the proof the handler runs: {error}"
        );
    }
}
