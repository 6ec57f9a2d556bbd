//! Stable error codes of the HTTP contract (`openapi/openapi.yaml`, `ErrorCode`).
//!
//! Clients switch on `code`, never on the human-readable message, so a code is never renamed once
//! shipped. Each code owns its HTTP status here, in one place, so no handler can drift.

use serde::Serialize;

/// A stable, documented error code. Serializes as the SCREAMING_SNAKE_CASE string of the contract.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ErrorCode {
    InvalidRequest,
    InvalidPhone,
    SessionRequired,
    RateLimited,
    InvalidOtp,
    TooManyAttempts,
    InvalidRefreshToken,
    RefreshTokenReused,
    Unauthorized,
    InvalidDpopProof,
    UseDpopNonce,
    Forbidden,
    UserBlocked,
    ReauthenticationRequired,
    PhoneTaken,
    CaptchaRequired,
    CaptchaFailed,
    SendRefused,
    NotFound,
    MethodNotAllowed,
    PayloadTooLarge,
    UnsupportedMediaType,
    ServiceUnavailable,
    SmsDeliveryFailed,
    Internal,
    PasskeysDisabled,
    InvalidPasskeyResponse,
    PasskeyChallengeInvalid,
    PasskeyOriginMismatch,
    PasskeyUserNotVerified,
    PasskeyNotRecognized,
    PasskeySignCountRollback,
    PasskeyAlreadyRegistered,
    PasskeyLimitReached,
}

impl ErrorCode {
    /// Every code, for documentation and exhaustive tests.
    pub const ALL: [ErrorCode; 34] = [
        ErrorCode::InvalidRequest,
        ErrorCode::InvalidPhone,
        ErrorCode::SessionRequired,
        ErrorCode::RateLimited,
        ErrorCode::InvalidOtp,
        ErrorCode::TooManyAttempts,
        ErrorCode::InvalidRefreshToken,
        ErrorCode::RefreshTokenReused,
        ErrorCode::Unauthorized,
        ErrorCode::InvalidDpopProof,
        ErrorCode::UseDpopNonce,
        ErrorCode::Forbidden,
        ErrorCode::UserBlocked,
        ErrorCode::ReauthenticationRequired,
        ErrorCode::PhoneTaken,
        ErrorCode::CaptchaRequired,
        ErrorCode::CaptchaFailed,
        ErrorCode::SendRefused,
        ErrorCode::NotFound,
        ErrorCode::MethodNotAllowed,
        ErrorCode::PayloadTooLarge,
        ErrorCode::UnsupportedMediaType,
        ErrorCode::ServiceUnavailable,
        ErrorCode::SmsDeliveryFailed,
        ErrorCode::Internal,
        ErrorCode::PasskeysDisabled,
        ErrorCode::InvalidPasskeyResponse,
        ErrorCode::PasskeyChallengeInvalid,
        ErrorCode::PasskeyOriginMismatch,
        ErrorCode::PasskeyUserNotVerified,
        ErrorCode::PasskeyNotRecognized,
        ErrorCode::PasskeySignCountRollback,
        ErrorCode::PasskeyAlreadyRegistered,
        ErrorCode::PasskeyLimitReached,
    ];

    /// The HTTP status this code is always sent with.
    pub const fn http_status(self) -> u16 {
        match self {
            ErrorCode::InvalidRequest
            | ErrorCode::InvalidPhone
            | ErrorCode::SessionRequired
            | ErrorCode::InvalidPasskeyResponse
            | ErrorCode::PasskeyChallengeInvalid
            | ErrorCode::PasskeyOriginMismatch
            | ErrorCode::PasskeyUserNotVerified => 400,
            ErrorCode::PasskeyNotRecognized | ErrorCode::PasskeySignCountRollback => 401,
            ErrorCode::InvalidOtp
            | ErrorCode::InvalidRefreshToken
            | ErrorCode::Unauthorized
            | ErrorCode::InvalidDpopProof
            | ErrorCode::UseDpopNonce => 401,
            ErrorCode::RefreshTokenReused
            | ErrorCode::Forbidden
            | ErrorCode::UserBlocked
            | ErrorCode::ReauthenticationRequired
            | ErrorCode::CaptchaRequired
            | ErrorCode::CaptchaFailed
            | ErrorCode::SendRefused => 403,
            ErrorCode::NotFound | ErrorCode::PasskeysDisabled => 404,
            ErrorCode::PhoneTaken
            | ErrorCode::PasskeyAlreadyRegistered
            | ErrorCode::PasskeyLimitReached => 409,
            ErrorCode::MethodNotAllowed => 405,
            ErrorCode::PayloadTooLarge => 413,
            ErrorCode::UnsupportedMediaType => 415,
            ErrorCode::RateLimited | ErrorCode::TooManyAttempts => 429,
            ErrorCode::Internal => 500,
            ErrorCode::SmsDeliveryFailed => 502,
            ErrorCode::ServiceUnavailable => 503,
        }
    }

    /// The wire spelling, e.g. `"INVALID_PHONE"`.
    pub const fn as_str(self) -> &'static str {
        match self {
            ErrorCode::InvalidRequest => "INVALID_REQUEST",
            ErrorCode::InvalidPhone => "INVALID_PHONE",
            ErrorCode::SessionRequired => "SESSION_REQUIRED",
            ErrorCode::RateLimited => "RATE_LIMITED",
            ErrorCode::InvalidOtp => "INVALID_OTP",
            ErrorCode::TooManyAttempts => "TOO_MANY_ATTEMPTS",
            ErrorCode::InvalidRefreshToken => "INVALID_REFRESH_TOKEN",
            ErrorCode::RefreshTokenReused => "REFRESH_TOKEN_REUSED",
            ErrorCode::Unauthorized => "UNAUTHORIZED",
            ErrorCode::InvalidDpopProof => "INVALID_DPOP_PROOF",
            ErrorCode::UseDpopNonce => "USE_DPOP_NONCE",
            ErrorCode::Forbidden => "FORBIDDEN",
            ErrorCode::UserBlocked => "USER_BLOCKED",
            ErrorCode::ReauthenticationRequired => "REAUTHENTICATION_REQUIRED",
            ErrorCode::PhoneTaken => "PHONE_TAKEN",
            ErrorCode::CaptchaRequired => "CAPTCHA_REQUIRED",
            ErrorCode::CaptchaFailed => "CAPTCHA_FAILED",
            ErrorCode::SendRefused => "SEND_REFUSED",
            ErrorCode::NotFound => "NOT_FOUND",
            ErrorCode::MethodNotAllowed => "METHOD_NOT_ALLOWED",
            ErrorCode::PayloadTooLarge => "PAYLOAD_TOO_LARGE",
            ErrorCode::UnsupportedMediaType => "UNSUPPORTED_MEDIA_TYPE",
            ErrorCode::ServiceUnavailable => "SERVICE_UNAVAILABLE",
            ErrorCode::SmsDeliveryFailed => "SMS_DELIVERY_FAILED",
            ErrorCode::Internal => "INTERNAL",
            ErrorCode::PasskeysDisabled => "PASSKEYS_DISABLED",
            ErrorCode::InvalidPasskeyResponse => "INVALID_PASSKEY_RESPONSE",
            ErrorCode::PasskeyChallengeInvalid => "PASSKEY_CHALLENGE_INVALID",
            ErrorCode::PasskeyOriginMismatch => "PASSKEY_ORIGIN_MISMATCH",
            ErrorCode::PasskeyUserNotVerified => "PASSKEY_USER_NOT_VERIFIED",
            ErrorCode::PasskeyNotRecognized => "PASSKEY_NOT_RECOGNIZED",
            ErrorCode::PasskeySignCountRollback => "PASSKEY_SIGN_COUNT_ROLLBACK",
            ErrorCode::PasskeyAlreadyRegistered => "PASSKEY_ALREADY_REGISTERED",
            ErrorCode::PasskeyLimitReached => "PASSKEY_LIMIT_REACHED",
        }
    }
}

/// The error body of the contract: `{"error": ..., "code": ..., "details": ...}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ErrorBody {
    pub error: String,
    pub code: ErrorCode,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub details: Option<String>,
}

impl ErrorBody {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self {
            error: message.into(),
            code,
            details: None,
        }
    }

    pub fn with_details(mut self, details: impl Into<String>) -> Self {
        self.details = Some(details.into());
        self
    }

    /// The HTTP status that goes with this body.
    pub fn http_status(&self) -> u16 {
        self.code.http_status()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serde_spelling_matches_the_documented_wire_spelling_for_every_code() {
        for code in ErrorCode::ALL {
            let json = serde_json::to_string(&code).unwrap();
            assert_eq!(json, format!("\"{}\"", code.as_str()));
        }
    }

    /// docs/API.md is the contract written out for people: its table of codes lists every
    /// code with the status this file gives it, and no code that no longer exists.
    #[test]
    fn the_readable_contract_lists_every_code_with_its_status() {
        let doc = include_str!("../../../../docs/API.md");
        let rows: Vec<(&str, &str)> = doc
            .lines()
            .filter_map(|line| {
                let cells: Vec<&str> = line.split('|').map(str::trim).collect();
                let code = cells.get(1)?.strip_prefix('`')?.strip_suffix('`')?;
                let status = cells.get(2)?;
                (code.chars().all(|c| c.is_ascii_uppercase() || c == '_')
                    && status.parse::<u16>().is_ok())
                .then_some((code, *status))
            })
            .collect();
        let expected: Vec<(&str, String)> = ErrorCode::ALL
            .iter()
            .map(|c| (c.as_str(), c.http_status().to_string()))
            .collect();
        assert_eq!(rows.len(), expected.len(), "{rows:?}");
        for (code, status) in &expected {
            assert!(
                rows.contains(&(*code, status.as_str())),
                "docs/API.md lacks {code} ({status})"
            );
        }
    }

    #[test]
    fn statuses_follow_the_contract() {
        assert_eq!(ErrorCode::InvalidPhone.http_status(), 400);
        assert_eq!(ErrorCode::RateLimited.http_status(), 429);
        assert_eq!(ErrorCode::TooManyAttempts.http_status(), 429);
        assert_eq!(ErrorCode::RefreshTokenReused.http_status(), 403);
        assert_eq!(ErrorCode::SmsDeliveryFailed.http_status(), 502);
        assert_eq!(ErrorCode::ServiceUnavailable.http_status(), 503);
        for code in ErrorCode::ALL {
            let status = code.http_status();
            assert!(
                (400..600).contains(&status),
                "{code:?} must be an error status"
            );
        }
    }

    #[test]
    fn error_body_omits_details_when_there_are_none() {
        let body = ErrorBody::new(ErrorCode::NotFound, "not found");
        assert_eq!(
            serde_json::to_value(&body).unwrap(),
            serde_json::json!({"error": "not found", "code": "NOT_FOUND"})
        );
        let body = body.with_details("route /x");
        assert_eq!(serde_json::to_value(&body).unwrap()["details"], "route /x");
    }
}
