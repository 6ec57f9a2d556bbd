//! The request's edge signals (`auth_core::domain::edge`): read from `request.cf` as Cloudflare sets
//! it, or, with `EDGE_SIGNALS=headers` in local runs and tests, from the `x-edge-*` headers.
//! `request.cf` is read as a plain object, field by field, so a runtime that leaves a field out
//! (local workerd, a plan without Bot Management) gives `None`, never a panic.

use crate::request;
use auth_core::domain::edge::{EdgeSignals, EdgeSource};
use js_sys::Reflect;
use wasm_bindgen::JsValue;
use worker::Request;

pub fn signals(req: &Request, source: EdgeSource) -> EdgeSignals {
    match source {
        EdgeSource::Headers => EdgeSignals::from_headers(|name| request::header(req, name)),
        EdgeSource::Cf => match field(req.inner().as_ref(), "cf") {
            Some(cf) => from_cf(&cf),
            None => EdgeSignals::default(),
        },
    }
}

fn from_cf(cf: &JsValue) -> EdgeSignals {
    let bot = field(cf, "botManagement").filter(JsValue::is_object);
    let text = |on: Option<&JsValue>, name: &str| on.and_then(|o| field(o, name)?.as_string());
    let number = |on: Option<&JsValue>, name: &str| {
        on.and_then(|o| field(o, name)?.as_f64())
            .filter(|n| n.is_finite() && *n >= 0.0 && *n <= f64::from(u32::MAX))
            .map(|n| n as u32)
    };
    EdgeSignals::from_raw(
        text(Some(cf), "country").as_deref(),
        number(Some(cf), "asn"),
        number(bot.as_ref(), "score"),
        text(bot.as_ref(), "ja4").as_deref(),
        text(bot.as_ref(), "ja3Hash").as_deref(),
    )
}

fn field(on: &JsValue, name: &str) -> Option<JsValue> {
    Reflect::get(on, &JsValue::from_str(name))
        .ok()
        .filter(|v| !v.is_undefined() && !v.is_null())
}
