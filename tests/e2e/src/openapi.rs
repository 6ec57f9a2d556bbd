//! Responses checked against the OpenAPI document (`openapi/openapi.yaml`, which the worker
//! serves): the status must be documented for the operation, and a JSON body must match the
//! documented schema. `api::Client` checks every response it receives.

use serde_json::Value;
use std::sync::OnceLock;

fn document() -> &'static Value {
    static DOC: OnceLock<Value> = OnceLock::new();
    DOC.get_or_init(|| parse(include_str!("../../../openapi/openapi.yaml")))
}

/// The otp-auth-v1 profile's document (`openapi/otp-auth-v1.yaml`), which a worker with
/// `API_PROFILE=otp-auth-v1` serves.
pub fn otp_auth_v1() -> &'static Value {
    static DOC: OnceLock<Value> = OnceLock::new();
    DOC.get_or_init(|| parse(include_str!("../../../openapi/otp-auth-v1.yaml")))
}

fn parse(text: &str) -> Value {
    serde_yaml::from_str(text).expect("the OpenAPI document parses")
}

/// The path template a concrete path belongs to: the document's own path when it has it (so
/// `/api/v1/users/profile` is not a user id), else the template whose segments match, a
/// `{name}` segment taking any one non-empty segment.
fn template(doc: &Value, path: &str) -> String {
    let path = path.split('?').next().unwrap_or(path);
    if doc["paths"].get(path).is_some() {
        return path.to_owned();
    }
    let matches = |template: &str| {
        let (t, p): (Vec<&str>, Vec<&str>) =
            (template.split('/').collect(), path.split('/').collect());
        t.len() == p.len()
            && t.iter()
                .zip(&p)
                .all(|(t, p)| t == p || (t.starts_with('{') && !p.is_empty()))
    };
    doc["paths"]
        .as_object()
        .and_then(|paths| paths.keys().find(|t| matches(t)).cloned())
        .unwrap_or_else(|| path.to_owned())
}

/// Follows a local `$ref` (`#/components/...`) to its target.
fn resolve<'d>(doc: &'d Value, value: &'d Value) -> &'d Value {
    match value.get("$ref").and_then(Value::as_str) {
        Some(pointer) => doc
            .pointer(pointer.trim_start_matches('#'))
            .unwrap_or(value),
        None => value,
    }
}

/// Panics, naming the operation, when the response does not match `openapi.yaml`.
pub fn check(method: &str, path: &str, status: u16, body: &Value) {
    check_in(document(), method, path, status, body)
}

/// Panics, naming the operation, when the response does not match the document `doc`.
pub fn check_in(doc: &Value, method: &str, path: &str, status: u16, body: &Value) {
    let template = template(doc, path);
    let operation = &doc["paths"][&template][method.to_ascii_lowercase()];
    let response = if operation.is_object() {
        resolve(doc, &operation["responses"][status.to_string()])
    } else {
        // A path or method the API does not have: the contract's error body, 404 or 405.
        assert!(
            matches!(status, 404 | 405),
            "{method} {template} is not in openapi.yaml, yet answered {status}"
        );
        &doc["components"]["responses"]["Error"]
    };
    assert!(
        response.is_object(),
        "{method} {template} answered {status}, which openapi.yaml does not document: {body}"
    );
    let Some(schema) = response.pointer("/content/application~1json/schema") else {
        return;
    };
    // Validate with the whole document as the root, so `#/components/schemas/...` resolves.
    let mut root = doc.clone();
    root["x-response"] = schema.clone();
    root["$ref"] = Value::from("#/x-response");
    let validator = jsonschema::draft202012::new(&root).expect("the response schema compiles");
    let errors: Vec<String> = validator
        .iter_errors(body)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(
        errors.is_empty(),
        "{method} {template} {status} does not match openapi.yaml: {errors:?}\n{body}"
    );
}

/// Every operation of the document, as (METHOD, path template).
pub fn operations() -> Vec<(String, String)> {
    let mut found = Vec::new();
    for (path, item) in document()["paths"].as_object().expect("paths") {
        for method in item.as_object().expect("a path item").keys() {
            found.push((method.to_uppercase(), path.clone()));
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_conforming_body_passes_and_a_wrong_one_fails() {
        check("GET", "/health", 200, &json!({"status": "ok"}));
        check(
            "POST",
            "/api/v1/auth/login",
            401,
            &json!({"error": "x", "code": "INVALID_OTP"}),
        );
        let wrong = std::panic::catch_unwind(|| {
            check(
                "POST",
                "/api/v1/auth/login",
                401,
                &json!({"error": "x", "code": "NOPE"}),
            )
        });
        assert!(wrong.is_err(), "an unknown code must not match");
        let undocumented = std::panic::catch_unwind(|| check("GET", "/health", 418, &json!({})));
        assert!(
            undocumented.is_err(),
            "an undocumented status must not pass"
        );
    }
}
