use super::*;
use crate::http::routes::{resolve, Resolved};

fn settings() -> Settings {
    Settings::from_lookup(|_| None).unwrap()
}

#[test]
fn a_form_body_parses_and_an_oversized_one_is_refused() {
    let form: RevokeForm =
        parse_form(b"token=abc%2Bdef&token_type_hint=refresh_token&client_id=phone-auth").unwrap();
    assert_eq!(form.token.as_deref(), Some("abc+def"));
    assert_eq!(form.token_type_hint.as_deref(), Some("refresh_token"));
    let empty: IntrospectForm = parse_form(b"").unwrap();
    assert!(empty.token.is_none());
    // Bytes that are no UTF-8 decode lossily: such a token matches no token of ours.
    let lossy: RevokeForm = parse_form(b"token=%ff%fe").unwrap();
    assert_eq!(lossy.token.as_deref(), Some("\u{fffd}\u{fffd}"));
    let huge = vec![b'a'; MAX_BODY_BYTES + 1];
    assert_eq!(
        parse_form::<RevokeForm>(&huge).unwrap_err().code,
        ErrorCode::PayloadTooLarge
    );
}

#[test]
fn a_repeated_parameter_is_refused_without_its_values() {
    let refused = parse_form::<RevokeForm>(b"token=secret-one&token=secret-two").unwrap_err();
    assert_eq!(refused.code, ErrorCode::InvalidRequest);
    let said = format!("{} {:?}", refused.error, refused.details);
    assert!(
        said.contains("repeated") && !said.contains("secret"),
        "{said}"
    );
}

#[test]
fn a_token_is_required_and_a_blank_one_is_none() {
    assert_eq!(required_token(Some(" t ")).unwrap(), "t");
    for missing in [None, Some(""), Some("   ")] {
        assert_eq!(
            required_token(missing).unwrap_err().code,
            ErrorCode::InvalidRequest
        );
    }
}

#[test]
fn only_the_deployments_client_id_names_a_client() {
    let s = settings();
    assert!(check_client(&s, Some(s.client_id.as_str())).is_ok());
    for other in [None, Some(""), Some("another-app")] {
        let refused = check_client(&s, other).unwrap_err();
        assert_eq!(
            (refused.http_status(), oauth_error(refused.code)),
            (401, "invalid_client"),
            "{other:?}"
        );
    }
}

#[test]
fn errors_carry_the_rfcs_error_beside_the_contracts_code() {
    let body = oauth_body(&ErrorBody::new(ErrorCode::InvalidRequest, "token required"));
    assert_eq!(
        body,
        json!({"error": "invalid_request", "error_description": "token required",
               "code": "INVALID_REQUEST"})
    );
    assert_eq!(oauth_error(ErrorCode::Unauthorized), "invalid_client");
    assert_eq!(
        oauth_error(ErrorCode::ServiceUnavailable),
        "temporarily_unavailable"
    );
    assert_eq!(oauth_error(ErrorCode::PayloadTooLarge), "invalid_request");
}

#[test]
fn the_metadata_names_the_issuer_and_only_endpoints_of_the_route_table() {
    let s = settings();
    let base = "https://auth.example.com";
    let doc = metadata(&s, base);
    assert_eq!(doc["issuer"], s.issuer);
    assert_eq!(doc["jwks_uri"], format!("{base}/.well-known/jwks.json"));
    assert_eq!(doc["revocation_endpoint"], format!("{base}/oauth/revoke"));
    assert_eq!(
        doc["introspection_endpoint"],
        format!("{base}/oauth/introspect")
    );
    assert_eq!(doc["response_types_supported"], json!([]));
    let mut named = 0;
    for (name, value) in doc.as_object().unwrap() {
        let Some(path) = value.as_str().and_then(|v| v.strip_prefix(base)) else {
            continue;
        };
        named += 1;
        let served = ["GET", "POST"]
            .iter()
            .any(|m| matches!(resolve(m, path), Resolved::Found { .. }));
        assert!(served, "{name}: {path} is no route of the table");
    }
    assert_eq!(named, 7);
}

#[test]
fn only_a_configured_resource_servers_bearer_may_introspect() {
    let configured = Some("first-resource-server-token, second-resource-server-token");
    for ok in [
        "Bearer first-resource-server-token",
        "Bearer second-resource-server-token",
    ] {
        assert!(introspection_allowed(configured, Some(ok)), "{ok}");
    }
    for refused in [
        None,
        Some(""),
        Some("Bearer "),
        Some("Bearer first-resource-server"),
        Some("Basic first-resource-server-token"),
        Some("first-resource-server-token"),
        Some("Bearer first-resource-server-token, second-resource-server-token"),
    ] {
        assert!(!introspection_allowed(configured, refused), "{refused:?}");
    }
    for nobody in [None, Some(""), Some(" , ")] {
        assert!(!introspection_allowed(nobody, Some("Bearer ")));
        assert!(!introspection_allowed(nobody, Some("Bearer x")));
    }
}
