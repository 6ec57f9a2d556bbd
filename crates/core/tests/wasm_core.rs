//! Core on wasm32 under Node: the readiness use case and the error contract behave as natively.
#![cfg(target_arch = "wasm32")]

use auth_core::http::error::{ErrorBody, ErrorCode};
use auth_core::ports::BackendProbe;
use auth_core::usecases::readiness::check_readiness;
use wasm_bindgen_test::wasm_bindgen_test;

struct Fixed(&'static str, Result<(), String>);

impl BackendProbe for Fixed {
    fn name(&self) -> &'static str {
        self.0
    }
    async fn probe(&self) -> Result<(), String> {
        self.1.clone()
    }
}

#[wasm_bindgen_test]
async fn readiness_names_the_backend_that_is_down() {
    let report = check_readiness(
        &Fixed("postgres", Ok(())),
        &Fixed("redis", Err("timed out".into())),
    )
    .await;
    assert!(!report.is_ready());
    assert_eq!(report.failed_names(), "redis");
}

#[wasm_bindgen_test]
fn error_bodies_serialize_to_the_contract_shape() {
    let body = ErrorBody::new(ErrorCode::ServiceUnavailable, "not ready").with_details("redis");
    let json = serde_json::to_value(&body).unwrap();
    assert_eq!(
        json,
        serde_json::json!({"error": "not ready", "code": "SERVICE_UNAVAILABLE", "details": "redis"})
    );
    assert_eq!(body.http_status(), 503);
}
