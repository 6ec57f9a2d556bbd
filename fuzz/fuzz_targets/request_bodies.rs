//! Request bodies as clients send them: bytes to the contract's body types (JSON, and the OAuth
//! endpoints' forms), then each field through the parser the route hands it to. Never a panic,
//! and a refusal never echoes a value.
#![no_main]

use auth_core::domain::otp::OtpCode;
use auth_core::domain::phone::PhoneNumber;
use auth_core::domain::secrets::RefreshToken;
use auth_core::domain::session::SessionId;
use auth_core::http::bodies::{parse, LoginBody, LogoutBody, RefreshBody, SendOtpBody};
use auth_core::http::oauth::{parse_form, required_token, IntrospectForm, RevokeForm};
use auth_core::usecases::oauth::looks_like_access_token;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|bytes: &[u8]| {
    match parse::<LoginBody>(bytes) {
        Ok(body) => {
            let _ = PhoneNumber::parse(&body.phone_number, None);
            let _ = OtpCode::parse(&body.otp, 6);
            if let Some(s) = &body.session_id {
                let _ = SessionId::parse(s);
            }
        }
        Err(refusal) => {
            // A value echoed back would have to be quoted; only field names may be.
            let details = refusal.details.unwrap_or_default();
            assert!(!details.contains("integer `"), "{details}");
            assert!(!details.contains("string \""), "{details}");
        }
    }
    if let Ok(body) = parse::<SendOtpBody>(bytes) {
        let _ = PhoneNumber::parse(&body.phone_number, None);
    }
    if let Ok(RefreshBody {
        refresh_token: Some(token),
        ..
    }) = parse::<RefreshBody>(bytes)
    {
        let _ = RefreshToken::parse(&token);
    }
    let _ = parse::<LogoutBody>(bytes);
    match parse_form::<RevokeForm>(bytes) {
        Ok(form) => {
            if let Ok(token) = required_token(form.token.as_deref()) {
                let _ = looks_like_access_token(token) || RefreshToken::parse(token).is_some();
            }
        }
        // Fixed words only: the form's values never come back.
        Err(refusal) => assert!(
            matches!(
                refusal.details.as_deref(),
                None | Some("malformed form" | "a parameter is repeated")
            ),
            "{:?}",
            refusal.details
        ),
    }
    let _ = parse_form::<IntrospectForm>(bytes);
});
