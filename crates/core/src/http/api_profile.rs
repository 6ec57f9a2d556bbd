//! API profiles: which HTTP contract the worker speaks (`API_PROFILE`). The default is this
//! service's own (`openapi/openapi.yaml`); `otp-auth-v1` is the contract of the Go service this
//! one replaces (`openapi/otp-auth-v1.yaml`), so its clients work unchanged: its cookie names,
//! cookies always set, refresh and logout by cookie with no body, and its error codes and
//! statuses. Where that service was unsafe the profile is not (docs/API.md, "The otp-auth-v1
//! profile"). The use cases are the same under both; only the edges differ, and they read them
//! from here.

pub mod health;
pub mod rate_limit;

use crate::domain::account::Scope;
use crate::http::error::ErrorCode;
use crate::http::routes::{Credential, RouteId};

/// The contract the worker speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ApiProfile {
    /// This service's own contract.
    #[default]
    Native,
    /// The Go service's contract (MaisamV/otp-auth, v1).
    OtpAuthV1,
}

/// The names of the auth cookies of a profile. `csrf` is the double-submit token's cookie; a
/// profile without one protects its cookie-authenticated state changes by `Origin` and Fetch
/// Metadata alone (`crate::http::policy`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CookieNames {
    pub access: &'static str,
    pub refresh: &'static str,
    pub session: &'static str,
    pub csrf: Option<&'static str>,
}

impl Default for CookieNames {
    fn default() -> Self {
        NATIVE_COOKIES
    }
}

impl CookieNames {
    /// The cookie that carries a route's credential, if a cookie can.
    pub const fn for_credential(&self, credential: Credential) -> Option<&'static str> {
        match credential {
            Credential::Bearer => Some(self.access),
            Credential::RefreshToken => Some(self.refresh),
            Credential::None | Credential::MetricsToken | Credential::IntrospectionToken => None,
        }
    }
}

/// The Go service's cookie names: no prefixes (its clients look these names up), all on
/// `Path=/`.
const GO_COOKIES: CookieNames = CookieNames {
    access: "access_token",
    refresh: "refresh_token",
    session: "session_id",
    csrf: None,
};

const NATIVE_COOKIES: CookieNames = CookieNames {
    access: crate::http::routes::cookies::ACCESS,
    refresh: crate::http::routes::cookies::REFRESH,
    session: crate::http::routes::cookies::SESSION,
    csrf: Some(crate::http::routes::cookies::CSRF),
};

impl ApiProfile {
    /// `API_PROFILE`: unset or `native` for this service's contract, `otp-auth-v1` for the Go
    /// service's.
    pub fn parse(value: Option<&str>) -> Result<Self, String> {
        match value.map(str::trim) {
            None | Some("") | Some("native") => Ok(ApiProfile::Native),
            Some("otp-auth-v1") => Ok(ApiProfile::OtpAuthV1),
            Some(other) => Err(format!(
                "API_PROFILE must be native or otp-auth-v1, not {other:?}"
            )),
        }
    }

    pub const fn cookies(self) -> CookieNames {
        match self {
            ApiProfile::Native => NATIVE_COOKIES,
            ApiProfile::OtpAuthV1 => GO_COOKIES,
        }
    }

    /// How long send-otp's session cookie lives: the Go service's three days, or ours, as
    /// long as a refresh token.
    pub const fn send_otp_cookie_max_age(self, refresh_ttl_secs: u32) -> u32 {
        match self {
            ApiProfile::Native => refresh_ttl_secs,
            ApiProfile::OtpAuthV1 => 259_200,
        }
    }

    /// The scope a new user starts with: none natively, `user` as the Go service gave.
    pub fn new_user_scope(self) -> Scope {
        match self {
            ApiProfile::Native => Scope::Unscoped,
            ApiProfile::OtpAuthV1 => Scope::Named("user".to_owned()),
        }
    }

    /// Who may use the admin endpoints: `superadmin`; under otp-auth-v1 also `admin`, as the
    /// Go service's admin check allowed (though its router never applied it to the listing:
    /// any logged-in user could list everyone there, which the profile does not repeat).
    pub fn may_administer(self, scope: &Scope) -> bool {
        match self {
            ApiProfile::Native => scope.may_administer(),
            ApiProfile::OtpAuthV1 => {
                scope.may_administer() || matches!(scope, Scope::Named(name) if name == "admin")
            }
        }
    }

    /// Whether cookies authenticate whatever `COOKIE_MODE` says: the Go service always set
    /// and read them.
    pub const fn always_cookies(self) -> bool {
        matches!(self, ApiProfile::OtpAuthV1)
    }
}

/// Where a request's path goes under a profile.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PathPlan<'a> {
    /// Resolve this path in the route table.
    Serve(&'a str),
    /// Answer with a redirect to this path (the query string goes along).
    Redirect(&'static str),
}

/// The Go service listed users at `/api/v1/users/`, and Gin redirected the path without the
/// slash there.
const GO_USERS_LIST: &str = "/api/v1/users/";

impl ApiProfile {
    /// Where `path` goes: natively, to the route table as it is; under otp-auth-v1 the users
    /// list lives at its trailing-slash path, and the path without the slash redirects there.
    pub fn route_path(self, path: &str) -> PathPlan<'_> {
        match (self, path) {
            (ApiProfile::OtpAuthV1, GO_USERS_LIST) => PathPlan::Serve("/api/v1/users"),
            (ApiProfile::OtpAuthV1, "/api/v1/users") => PathPlan::Redirect(GO_USERS_LIST),
            _ => PathPlan::Serve(path),
        }
    }

    /// How the users list reads its query: the Go service clamped `page` and `limit`
    /// silently and matched `search_phone` anywhere in the number.
    pub const fn user_query_rules(self) -> crate::domain::admin::Rules {
        match self {
            ApiProfile::Native => crate::domain::admin::Rules::NATIVE,
            ApiProfile::OtpAuthV1 => crate::domain::admin::Rules::GO_SERVICE,
        }
    }
}

/// An error as the Go service answered it: its code and status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GoError {
    pub code: &'static str,
    pub status: u16,
}

const fn go(code: &'static str, status: u16) -> GoError {
    GoError { code, status }
}

/// Our error `code` on `route` as the Go service would answer it. Its handlers used the
/// `*_ERROR` codes; its authentication middleware (bearer routes) said `UNAUTHORIZED` and
/// `FORBIDDEN`. Every failed login was a 401: no session cookie, no pending code, a wrong or
/// malformed code. A status it never used stays ours where a client can only gain from it (503,
/// so a load balancer retries); the rest take its nearest status.
pub fn go_error(code: ErrorCode, route: Option<RouteId>, credential: Credential) -> GoError {
    use ErrorCode::*;
    let bearer = credential == Credential::Bearer;
    match code {
        // The Go service had no number change; a taken number is a request it cannot honour.
        InvalidPhone | PhoneTaken => go("VALIDATION_ERROR", 400),
        // The Go service had no passkeys: a refusal of what was sent is a validation error, a
        // passkey that signs no one in an unauthorized login.
        InvalidPasskeyResponse
        | PasskeyChallengeInvalid
        | PasskeyOriginMismatch
        | PasskeyUserNotVerified
        | PasskeyAlreadyRegistered
        | PasskeyLimitReached => go("VALIDATION_ERROR", 400),
        PasskeyNotRecognized | PasskeySignCountRollback => go("UNAUTHORIZED_ERROR", 401),
        PasskeysDisabled => go("NOT_FOUND_ERROR", 404),
        InvalidRequest | SessionRequired | InvalidOtp if route == Some(RouteId::Login) => {
            go("UNAUTHORIZED_ERROR", 401)
        }
        InvalidRequest | SessionRequired | PayloadTooLarge | UnsupportedMediaType => {
            go("VALIDATION_ERROR", 400)
        }
        Unauthorized | InvalidDpopProof | UseDpopNonce if bearer => go("UNAUTHORIZED", 401),
        Forbidden | ReauthenticationRequired if bearer => go("FORBIDDEN", 403),
        InvalidOtp | InvalidRefreshToken | RefreshTokenReused | Unauthorized | InvalidDpopProof
        | UseDpopNonce => go("UNAUTHORIZED_ERROR", 401),
        Forbidden
        | UserBlocked
        | ReauthenticationRequired
        | CaptchaRequired
        | CaptchaFailed
        | SendRefused => go("FORBIDDEN_ERROR", 403),
        // A path (or, as Gin routes, a method) the service does not have: its catch-all route
        // said NOT_FOUND; a handler's missing record, NOT_FOUND_ERROR.
        NotFound | MethodNotAllowed if route.is_none() => go("NOT_FOUND", 404),
        NotFound | MethodNotAllowed => go("NOT_FOUND_ERROR", 404),
        RateLimited | TooManyAttempts => go("RATE_LIMIT_ERROR", 429),
        Internal | SmsDeliveryFailed => go("INTERNAL_ERROR", 500),
        ServiceUnavailable => go("INTERNAL_ERROR", 503),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_setting_names_the_profile_and_refuses_anything_else() {
        assert_eq!(ApiProfile::parse(None), Ok(ApiProfile::Native));
        assert_eq!(ApiProfile::parse(Some("native")), Ok(ApiProfile::Native));
        assert_eq!(
            ApiProfile::parse(Some("otp-auth-v1")),
            Ok(ApiProfile::OtpAuthV1)
        );
        assert!(ApiProfile::parse(Some("otp-auth-v2"))
            .unwrap_err()
            .contains("API_PROFILE"));
    }

    #[test]
    fn the_go_users_list_lives_at_its_trailing_slash() {
        let go = ApiProfile::OtpAuthV1;
        assert_eq!(
            go.route_path("/api/v1/users/"),
            PathPlan::Serve("/api/v1/users")
        );
        assert_eq!(
            go.route_path("/api/v1/users"),
            PathPlan::Redirect("/api/v1/users/")
        );
        assert_eq!(
            go.route_path("/api/v1/users/abc"),
            PathPlan::Serve("/api/v1/users/abc")
        );
        let native = ApiProfile::Native;
        assert_eq!(
            native.route_path("/api/v1/users"),
            PathPlan::Serve("/api/v1/users")
        );
        assert_eq!(
            native.route_path("/api/v1/users/"),
            PathPlan::Serve("/api/v1/users/")
        );
    }

    #[test]
    fn every_failed_login_is_a_401_as_the_go_service_answered() {
        for code in [
            ErrorCode::SessionRequired,
            ErrorCode::InvalidOtp,
            ErrorCode::InvalidRequest,
        ] {
            assert_eq!(
                go_error(code, Some(RouteId::Login), Credential::None),
                go("UNAUTHORIZED_ERROR", 401),
                "{code:?}"
            );
        }
        // A malformed phone is still the client's validation error.
        assert_eq!(
            go_error(
                ErrorCode::InvalidPhone,
                Some(RouteId::Login),
                Credential::None
            )
            .status,
            400
        );
    }

    #[test]
    fn every_code_has_a_go_code_of_the_go_service() {
        const GO_CODES: [&str; 9] = [
            "VALIDATION_ERROR",
            "UNAUTHORIZED_ERROR",
            "FORBIDDEN_ERROR",
            "NOT_FOUND_ERROR",
            "RATE_LIMIT_ERROR",
            "INTERNAL_ERROR",
            "UNAUTHORIZED",
            "FORBIDDEN",
            "NOT_FOUND",
        ];
        for code in ErrorCode::ALL {
            for credential in [Credential::None, Credential::Bearer] {
                let answer = go_error(code, Some(RouteId::Refresh), credential);
                assert!(GO_CODES.contains(&answer.code), "{code:?}: {answer:?}");
                // The status class never changes: a client error stays one, and so does a
                // server error.
                assert_eq!(answer.status / 100, code.http_status() / 100, "{code:?}");
            }
        }
        assert_eq!(
            go_error(ErrorCode::Unauthorized, None, Credential::Bearer).code,
            "UNAUTHORIZED"
        );
        assert_eq!(
            go_error(ErrorCode::RateLimited, None, Credential::None),
            go("RATE_LIMIT_ERROR", 429)
        );
        assert_eq!(
            go_error(ErrorCode::MethodNotAllowed, None, Credential::None),
            go("NOT_FOUND", 404)
        );
        assert_eq!(
            go_error(
                ErrorCode::NotFound,
                Some(RouteId::GetUser),
                Credential::Bearer
            ),
            go("NOT_FOUND_ERROR", 404)
        );
    }
}
