//! Passkeys in a real browser (issue 30): headless Chromium with a virtual authenticator
//! (WebDriver's WebAuthn extension) on a page of http://localhost registers a passkey after a
//! phone login, then signs in with it twice, through `navigator.credentials` and the JSON forms
//! of WebAuthn Level 3, with no code sent (counted at the SMS stand-in).

use e2e::api::{random_phone, Client};
use e2e::variants;
use e2e::webhook::receiver;
use serde_json::{json, Value};

/// The page: one call per step, as an app would make them.
const PAGE: &str = r#"<!doctype html><title>app</title><script>
async function api(base, method, path, token, body) {
  const headers = {};
  if (body !== undefined) headers["content-type"] = "application/json";
  if (token) headers["authorization"] = "Bearer " + token;
  const r = await fetch(base + path, {
    method, headers, body: body === undefined ? undefined : JSON.stringify(body),
  });
  let json = null;
  try { json = await r.json(); } catch (e) {}
  return { status: r.status, body: json };
}
async function registerPasskey(base, token) {
  const options = await api(base, "POST", "/api/v1/passkeys/register/options", token);
  if (options.status !== 200) return options;
  const publicKey = PublicKeyCredential.parseCreationOptionsFromJSON(options.body);
  const credential = await navigator.credentials.create({ publicKey });
  return api(base, "POST", "/api/v1/passkeys/register", token,
             { name: "Chromium", credential: credential.toJSON() });
}
async function signIn(base) {
  const options = await api(base, "POST", "/api/v1/passkeys/login/options");
  if (options.status !== 200) return options;
  const publicKey = PublicKeyCredential.parseRequestOptionsFromJSON(options.body);
  const credential = await navigator.credentials.get({ publicKey });
  return api(base, "POST", "/api/v1/passkeys/login", null, { credential: credential.toJSON() });
}
</script>"#;

/// Runs `call` (a function of the page) with `args` and answers what it resolved to.
async fn run(page: &fantoccini::Client, call: &str, args: Vec<Value>) -> Value {
    let script = format!(
        "const done = arguments[arguments.length - 1]; \
         {call}(...Array.from(arguments).slice(0, -1)).then(done, e => done({{status: 0, body: String(e)}}));"
    );
    page.execute_async(&script, args).await.unwrap()
}

#[tokio::test]
async fn a_page_registers_a_passkey_after_a_phone_login_and_signs_in_with_it_without_a_code() {
    let page_origin = e2e::browser::serve_page(PAGE);
    let worker = variants::start(
        "passkeys",
        &[
            ("CORS_ALLOWED_ORIGINS", &page_origin),
            ("PASSKEY_RP_ID", "localhost"),
            ("PASSKEY_ORIGINS", &page_origin),
        ],
    );
    let phone = random_phone();
    let login = Client::new(&worker.instance.url()).logged_in(&phone).await;
    let codes_sent = receiver().count(&phone);
    // The same host as the page, another port: another origin, the same site.
    let api = worker.instance.url().replace("127.0.0.1", "localhost");
    let (_driver, page, profile_dir) = e2e::browser::open_page(&worker, &page_origin).await;
    let authenticator = e2e::browser::add_virtual_authenticator(&page).await;
    assert!(!authenticator.is_empty());

    let access = login["access_token"].clone();
    let registered = run(&page, "registerPasskey", vec![json!(api), access]).await;
    if registered["status"] != 201 {
        let shot = e2e::browser::screenshot(&page, "passkey-register").await;
        panic!("registration: {registered} (screenshot: {shot:?})");
    }
    assert_eq!(registered["body"]["passkey"]["name"], "Chromium");

    for round in 1..=2 {
        let signed_in = run(&page, "signIn", vec![json!(api)]).await;
        assert_eq!(signed_in["status"], 200, "sign-in {round}: {signed_in}");
        assert_eq!(signed_in["body"]["user"]["id"], login["user"]["id"]);
        assert_eq!(signed_in["body"]["token_type"], "Bearer");
    }
    assert_eq!(
        receiver().count(&phone),
        codes_sent,
        "no code was sent for a passkey"
    );
    page.close().await.unwrap();
    let _ = std::fs::remove_dir_all(&profile_dir);
}
