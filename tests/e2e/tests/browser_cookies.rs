//! Cookie mode in a real browser (hardening, point 9): headless Chromium (`e2e::browser`) loads
//! a page from one local origin that logs in, reads its profile, refreshes and logs out against
//! the worker on another origin, with cookies only: the page never holds a token, only the CSRF
//! token the bodies give it.

use e2e::api::random_phone;
use e2e::variants;
use e2e::webhook::receiver;
use serde_json::{json, Value};

/// The page: each step is one `fetch` with `credentials: "include"`; the CSRF token comes from
/// the login and refresh bodies (the API's cookies are another origin's, unreadable here).
const PAGE: &str = r#"<!doctype html><title>app</title><script>
let csrf = null;
async function call(api, method, path, body) {
  const headers = {};
  if (body !== undefined) headers["content-type"] = "application/json";
  if (csrf) headers["x-csrf-token"] = csrf;
  const r = await fetch(api + path, {
    method, headers, credentials: "include",
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  let json = null;
  try { json = await r.json(); } catch (e) {}
  if (json && json.csrf_token) csrf = json.csrf_token;
  return { status: r.status, body: json };
}
</script>"#;

/// Runs one `call(...)` of the page and returns `{status, body}`.
async fn step(
    page: &fantoccini::Client,
    api: &str,
    method: &str,
    path: &str,
    body: Value,
) -> Value {
    let script = "const [api, method, path, body, done] = arguments; \
                  call(api, method, path, body === null ? undefined : body).then(done, e => done({status: 0, body: String(e)}));";
    page.execute_async(script, vec![json!(api), json!(method), json!(path), body])
        .await
        .unwrap()
}

#[tokio::test]
async fn a_page_on_another_origin_logs_in_refreshes_and_logs_out_with_cookies_only() {
    let page_origin = e2e::browser::serve_page(PAGE);
    let worker = variants::start(
        "browser",
        &[
            ("COOKIE_MODE", "on"),
            ("CORS_ALLOWED_ORIGINS", &page_origin),
        ],
    );
    receiver(); // codes are delivered to this process
                // The same host as the page, another port: another origin, the same site.
    let api = worker.instance.url().replace("127.0.0.1", "localhost");
    let (_driver, page, profile_dir) = e2e::browser::open_page(&worker, &page_origin).await;

    let phone = random_phone();
    let sent = step(
        &page,
        &api,
        "POST",
        "/api/v1/auth/send-otp",
        json!({"phone_number": phone}),
    )
    .await;
    assert_eq!(sent["status"], 200, "send-otp: {sent}");
    let code = receiver().latest(&phone);
    // No session_id in the body: the session cookie send-otp set carries it.
    let login = step(
        &page,
        &api,
        "POST",
        "/api/v1/auth/login",
        json!({"phone_number": phone, "otp": code}),
    )
    .await;
    assert_eq!(login["status"], 200, "login: {login}");
    assert!(login["body"]["csrf_token"].is_string());

    let profile = step(&page, &api, "GET", "/api/v1/users/profile", Value::Null).await;
    assert_eq!(
        profile["status"], 200,
        "the access cookie authenticates: {profile}"
    );
    assert_eq!(profile["body"]["user"]["phone_number"], json!(phone));

    let refreshed = step(&page, &api, "POST", "/api/v1/auth/refresh", json!({})).await;
    assert_eq!(
        refreshed["status"], 200,
        "refresh by cookie with the CSRF token: {refreshed}"
    );
    let after = step(&page, &api, "GET", "/api/v1/users/profile", Value::Null).await;
    assert_eq!(after["status"], 200, "the rotated cookies work: {after}");

    let logout = step(&page, &api, "POST", "/api/v1/auth/logout", json!({})).await;
    assert_eq!(logout["status"], 200, "logout: {logout}");
    let gone = step(&page, &api, "GET", "/api/v1/users/profile", Value::Null).await;
    assert_eq!(gone["status"], 401, "logged out: {gone}");
    page.close().await.unwrap();
    let _ = std::fs::remove_dir_all(&profile_dir);
}
