//! One POST of a JSON body with a bearer token, answered with its status and body text: natively
//! through reqwest, in wasm32 through the runtime's own `fetch`.
//!
//! Why not reqwest in wasm too: its wasm client aborts each request's `AbortController` when the
//! response is dropped, finished or not, and every abort builds a `DOMException` with a stack;
//! with its timeout's `setTimeout`, that was about a tenth of a send-otp's CPU in
//! `cargo xtask cpu-profile send-otp`. Here the deadline is `AbortSignal.timeout`, which costs
//! nothing unless it fires. Both report failures in the same few words (never the URL or token).

use std::time::Duration;

/// Why a call got no answer: a few words, safe for logs.
pub type TransportError = &'static str;

#[cfg(not(target_arch = "wasm32"))]
pub async fn post_json(
    http: &reqwest::Client,
    url: &str,
    token: &str,
    body: String,
    timeout: Duration,
) -> Result<(u16, String), TransportError> {
    let response = http
        .post(url)
        .bearer_auth(token)
        .timeout(timeout)
        .header("content-type", "application/json")
        .body(body)
        .send()
        .await
        .map_err(|e| describe(&e))?;
    let status = response.status().as_u16();
    let text = response.text().await.map_err(|e| describe(&e))?;
    Ok((status, text))
}

/// A transport error without the URL: the URL may carry a token in a query string.
#[cfg(not(target_arch = "wasm32"))]
fn describe(err: &reqwest::Error) -> TransportError {
    if err.is_timeout() {
        "timed out"
    } else if err.is_connect() {
        "connection failed"
    } else if err.is_body() || err.is_decode() {
        "broken response body"
    } else {
        "request failed"
    }
}

#[cfg(target_arch = "wasm32")]
pub async fn post_json(
    url: &str,
    token: &str,
    body: String,
    timeout: Duration,
) -> Result<(u16, String), TransportError> {
    use js_sys::{Function, Promise, Reflect};
    use wasm_bindgen::{JsCast, JsValue};
    use wasm_bindgen_futures::JsFuture;

    let headers = web_sys::Headers::new().map_err(|_| "request failed")?;
    headers
        .set("authorization", &format!("Bearer {token}"))
        .and_then(|()| headers.set("content-type", "application/json"))
        .map_err(|_| "request failed")?;
    let init = web_sys::RequestInit::new();
    init.set_method("POST");
    init.set_headers(&headers);
    init.set_body(&JsValue::from_str(&body));
    let millis = u32::try_from(timeout.as_millis()).unwrap_or(u32::MAX);
    init.set_signal(Some(&web_sys::AbortSignal::timeout_with_u32(millis)));
    let global = js_sys::global();
    let fetch: Function = Reflect::get(&global, &JsValue::from_str("fetch"))
        .ok()
        .and_then(|f| f.dyn_into().ok())
        .ok_or("request failed")?;
    let pending: Promise = fetch
        .call2(&global, &JsValue::from_str(url), &init)
        .ok()
        .and_then(|p| p.dyn_into().ok())
        .ok_or("request failed")?;
    let response: web_sys::Response = JsFuture::from(pending)
        .await
        .map_err(failure)?
        .dyn_into()
        .map_err(|_| "request failed")?;
    let status = response.status();
    let text = response.text().map_err(|_| "broken response body")?;
    let text = JsFuture::from(text)
        .await
        .map_err(failure)?
        .as_string()
        .ok_or("broken response body")?;
    Ok((status, text))
}

/// A rejected fetch in the same words as the native side: the deadline's `TimeoutError`, or no
/// answer at all (in wasm a refused connection is not told apart from other failures).
#[cfg(target_arch = "wasm32")]
fn failure(error: wasm_bindgen::JsValue) -> TransportError {
    let name = js_sys::Reflect::get(&error, &wasm_bindgen::JsValue::from_str("name"))
        .ok()
        .and_then(|n| n.as_string());
    match name.as_deref() {
        Some("TimeoutError") => "timed out",
        _ => "connection failed",
    }
}
