//! The operations of the HTTP contract, declared once: method, path template, what credential
//! they take and whether they change state. The worker dispatches from this table (binding each
//! [`RouteId`] to its handler in one exhaustive match), the access log and the metrics name
//! routes by its templates, and the central policies ([`crate::http::policy`]) read its flags. A test
//! checks that it lists exactly the operations of `openapi/openapi.yaml`.

/// The methods the contract uses. Anything else is 405 on a known path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    Get,
    Post,
    Delete,
}

impl Method {
    /// The method of a request line, if the contract uses it.
    pub fn parse(method: &str) -> Option<Self> {
        match method {
            "GET" => Some(Method::Get),
            "POST" => Some(Method::Post),
            "DELETE" => Some(Method::Delete),
            _ => None,
        }
    }

    pub const fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
            Method::Delete => "DELETE",
        }
    }
}

/// Every operation the worker serves.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RouteId {
    Health,
    Live,
    Ready,
    SendOtp,
    Login,
    Refresh,
    Logout,
    ListSessions,
    RevokeSession,
    Profile,
    ListUsers,
    GetUser,
    SetUserScope,
    UserSessions,
    BlockUser,
    UnblockUser,
    DeleteUser,
    DeleteOwnAccount,
    SendPhoneChangeOtp,
    ChangePhone,
    Jwks,
    Metrics,
    OpenApi,
    /// RFC 8414: the authorization server's metadata.
    OAuthMetadata,
    /// RFC 7009: a client revokes a refresh or access token.
    RevokeToken,
    /// RFC 7662: a resource server asks whether an access token is active.
    IntrospectToken,
    /// Passkeys: creation options for the caller, and the registration itself.
    PasskeyRegisterOptions,
    PasskeyRegister,
    /// Passkeys: request options of a discoverable sign-in, and the sign-in itself.
    PasskeyLoginOptions,
    PasskeyLogin,
    ListPasskeys,
    DeletePasskey,
    /// The app association files passkeys need (Android's Digital Asset Links, Apple's
    /// associated domains), from the passkey settings.
    AssetLinks,
    AppleAppSiteAssociation,
}

/// What authenticates a request to a route, and so which cookie can stand in for it in cookie
/// mode. A request that carries that cookie is cookie-authenticated, whatever else it carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Credential {
    /// Nothing (or, for login, the code itself).
    None,
    /// An access token: `Authorization: Bearer`, or the access-token cookie in cookie mode.
    Bearer,
    /// A refresh token: in the JSON body, or the refresh-token cookie in cookie mode.
    RefreshToken,
    /// The operator's `METRICS_TOKEN` bearer; never a cookie.
    MetricsToken,
    /// A resource server's bearer from `INTROSPECTION_TOKENS`; never a cookie.
    IntrospectionToken,
}

/// Cookie names of cookie mode (the native profile's; `crate::http::api_profile` has each profile's), with the prefixes their attributes allow: browsers take a
/// `__Host-` cookie only if it is `Secure`, has `Path=/` and no `Domain` (so no sibling
/// subdomain can set or shadow it), and a `__Secure-` cookie only if it is `Secure`. The refresh
/// token and the session id are scoped to `/api/v1/auth`, so they can carry only `__Secure-`.
pub mod cookies {
    pub const ACCESS: &str = "__Host-access_token";
    pub const REFRESH: &str = "__Secure-refresh_token";
    pub const SESSION: &str = "__Secure-session_id";
    pub const CSRF: &str = "__Host-csrf_token";
    pub const CSRF_HEADER: &str = "x-csrf-token";
}

/// One operation of the contract.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Route {
    pub id: RouteId,
    pub method: Method,
    /// The path, with `{id}` standing for one path segment.
    pub template: &'static str,
    pub credential: Credential,
    /// Whether the operation changes server state (a cookie-authenticated one needs the CSRF
    /// proof).
    pub changes_state: bool,
    /// Whether the operation takes a JSON body (read, capped and typed centrally).
    pub json_body: bool,
    /// Whether the operation takes an `application/x-www-form-urlencoded` body, as the OAuth
    /// endpoints do (read, capped and typed centrally too); its errors are OAuth's
    /// (`crate::http::oauth`).
    pub form_body: bool,
}

const fn route(id: RouteId, method: Method, template: &'static str) -> Route {
    Route {
        id,
        method,
        template,
        credential: Credential::None,
        changes_state: false,
        json_body: false,
        form_body: false,
    }
}

impl Route {
    const fn with_credential(mut self, credential: Credential) -> Self {
        self.credential = credential;
        self
    }

    /// A state change with a JSON body.
    const fn posting_json(mut self) -> Self {
        self.changes_state = true;
        self.json_body = true;
        self
    }

    /// An OAuth operation's form body; `changes_state` as given.
    const fn posting_form(mut self, changes_state: bool) -> Self {
        self.changes_state = changes_state;
        self.form_body = true;
        self
    }

    const fn changing_state(mut self) -> Self {
        self.changes_state = true;
        self
    }
}

use Credential::{Bearer, IntrospectionToken, MetricsToken, RefreshToken};
use Method::{Delete, Get, Post};

/// The route table.
pub const ROUTES: &[Route] = &[
    route(RouteId::Health, Get, "/health"),
    route(RouteId::Live, Get, "/live"),
    route(RouteId::Ready, Get, "/ready"),
    route(RouteId::SendOtp, Post, "/api/v1/auth/send-otp").posting_json(),
    route(RouteId::Login, Post, "/api/v1/auth/login").posting_json(),
    route(RouteId::Refresh, Post, "/api/v1/auth/refresh")
        .posting_json()
        .with_credential(RefreshToken),
    route(RouteId::Logout, Post, "/api/v1/auth/logout")
        .posting_json()
        .with_credential(RefreshToken),
    route(RouteId::ListSessions, Get, "/api/v1/auth/sessions").with_credential(Bearer),
    route(RouteId::RevokeSession, Delete, "/api/v1/auth/sessions/{id}")
        .changing_state()
        .with_credential(Bearer),
    route(RouteId::Profile, Get, "/api/v1/users/profile").with_credential(Bearer),
    route(RouteId::ListUsers, Get, "/api/v1/users").with_credential(Bearer),
    route(RouteId::GetUser, Get, "/api/v1/users/{id}").with_credential(Bearer),
    route(RouteId::SetUserScope, Post, "/api/v1/users/{id}/scope")
        .posting_json()
        .with_credential(Bearer),
    route(RouteId::UserSessions, Get, "/api/v1/users/{id}/sessions").with_credential(Bearer),
    route(RouteId::BlockUser, Post, "/api/v1/users/{id}/block")
        .changing_state()
        .with_credential(Bearer),
    route(RouteId::UnblockUser, Delete, "/api/v1/users/{id}/block")
        .changing_state()
        .with_credential(Bearer),
    route(RouteId::DeleteUser, Delete, "/api/v1/users/{id}")
        .changing_state()
        .with_credential(Bearer),
    route(RouteId::DeleteOwnAccount, Delete, "/api/v1/users/me")
        .changing_state()
        .with_credential(Bearer),
    route(
        RouteId::SendPhoneChangeOtp,
        Post,
        "/api/v1/users/me/phone/send-otp",
    )
    .posting_json()
    .with_credential(Bearer),
    route(RouteId::ChangePhone, Post, "/api/v1/users/me/phone")
        .posting_json()
        .with_credential(Bearer),
    route(RouteId::Jwks, Get, "/.well-known/jwks.json"),
    route(RouteId::Metrics, Get, "/metrics").with_credential(MetricsToken),
    route(RouteId::OpenApi, Get, "/openapi.yaml"),
    route(
        RouteId::OAuthMetadata,
        Get,
        "/.well-known/oauth-authorization-server",
    ),
    // The token is in the body: no cookie stands in for it, so there is no CSRF proof to ask.
    route(RouteId::RevokeToken, Post, "/oauth/revoke").posting_form(true),
    route(RouteId::IntrospectToken, Post, "/oauth/introspect")
        .posting_form(false)
        .with_credential(IntrospectionToken),
    // Options change nothing: their challenge is stored nowhere until it is answered.
    route(
        RouteId::PasskeyRegisterOptions,
        Post,
        "/api/v1/passkeys/register/options",
    )
    .with_credential(Bearer),
    route(RouteId::PasskeyRegister, Post, "/api/v1/passkeys/register")
        .posting_json()
        .with_credential(Bearer),
    route(
        RouteId::PasskeyLoginOptions,
        Post,
        "/api/v1/passkeys/login/options",
    ),
    route(RouteId::PasskeyLogin, Post, "/api/v1/passkeys/login").posting_json(),
    route(RouteId::ListPasskeys, Get, "/api/v1/passkeys").with_credential(Bearer),
    route(RouteId::DeletePasskey, Delete, "/api/v1/passkeys/{id}")
        .changing_state()
        .with_credential(Bearer),
    route(RouteId::AssetLinks, Get, "/.well-known/assetlinks.json"),
    route(
        RouteId::AppleAppSiteAssociation,
        Get,
        "/.well-known/apple-app-site-association",
    ),
];

mod resolve;
pub use resolve::{resolve, route_of, Resolved, OTHER};

#[cfg(test)]
mod tests;
