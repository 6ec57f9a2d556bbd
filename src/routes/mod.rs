//! One way through the worker: resolve the route (`auth_core::http::routes::ROUTES`, the table), apply
//! the central policies (`auth_core::http::policy`: body cap, JSON or form content type, CSRF), read the body,
//! build the request context, run the route's handler, then add CORS, count the answer and log
//! it. Handler modules never import each other; what they share lives in `context`, `extract`
//! and `responses`.

mod documents;
mod health;
mod oauth;
mod otp;
mod passkeys;
mod phone;
mod sessions;
mod tokens;
mod users;

use crate::access_log;
use crate::config::{AuthConfig, Config};
use crate::context::Ctx;
use crate::cors::Cors;
use crate::dpop;
use crate::metrics;
use crate::outcome::{Handled, Outcome};
use crate::request;
use crate::request_limit;
use auth_core::http::api_profile::{ApiProfile, CookieNames, PathPlan};
use auth_core::http::error::ErrorCode;
use auth_core::http::metrics::Answered;
use auth_core::http::policy::{self, Arrival};
use auth_core::http::routes::{self, cookies, Resolved, Route, RouteId};
use worker::{Context, Env, Method, Request, Response, Result};

/// Each operation's handler: one exhaustive match, so a route without a handler does not build.
async fn run(route: RouteId, ctx: &Ctx) -> Handled {
    match route {
        RouteId::Health => health::health(ctx).await,
        RouteId::Live => health::live(ctx),
        RouteId::Ready => health::ready(ctx).await,
        RouteId::SendOtp => otp::send_otp(ctx).await,
        RouteId::Login => otp::login(ctx).await,
        RouteId::Refresh => tokens::refresh(ctx).await,
        RouteId::Logout => tokens::logout(ctx).await,
        RouteId::ListSessions => sessions::list(ctx).await,
        RouteId::RevokeSession => sessions::revoke(ctx).await,
        RouteId::Profile => users::profile(ctx).await,
        RouteId::DeleteOwnAccount => users::delete_own_account(ctx).await,
        RouteId::SendPhoneChangeOtp => phone::send_code(ctx).await,
        RouteId::ChangePhone => phone::change(ctx).await,
        RouteId::ListUsers
        | RouteId::GetUser
        | RouteId::SetUserScope
        | RouteId::UserSessions
        | RouteId::BlockUser
        | RouteId::UnblockUser
        | RouteId::DeleteUser => users::admin(ctx).await,
        RouteId::Jwks => documents::jwks(ctx).await,
        RouteId::OpenApi => documents::openapi(ctx),
        RouteId::Metrics => documents::metrics(ctx).await,
        RouteId::OAuthMetadata => oauth::metadata(ctx),
        RouteId::RevokeToken => oauth::revoke(ctx).await,
        RouteId::IntrospectToken => oauth::introspect(ctx).await,
        RouteId::PasskeyRegisterOptions => passkeys::register_options(ctx).await,
        RouteId::PasskeyRegister => passkeys::register(ctx).await,
        RouteId::PasskeyLoginOptions => passkeys::login_options(ctx).await,
        RouteId::PasskeyLogin => passkeys::login(ctx).await,
        RouteId::ListPasskeys => passkeys::list(ctx).await,
        RouteId::DeletePasskey => passkeys::delete(ctx).await,
        RouteId::AssetLinks => passkeys::asset_links(ctx),
        RouteId::AppleAppSiteAssociation => passkeys::apple_app_site_association(ctx),
    }
}

/// Answers one request: CORS preflights first, then the route, with CORS headers added for
/// allowed origins; every answer is counted and logged.
pub async fn handle(request: Request, env: Env, ctx: Context) -> Result<Response> {
    #[cfg(feature = "bench")]
    if request.path() == "/__bench/sign" {
        return crate::bench::sign_route(request, &env).await;
    }
    let profile = AuthConfig::api_profile(&env);
    let path = request.path();
    let method = request.method();
    let (path, redirect) = match profile.route_path(&path) {
        PathPlan::Serve(served) => (served.to_owned(), None),
        PathPlan::Redirect(to) => (path.clone(), Some(to)),
    };
    let resolved = routes::resolve(method.as_ref(), &path);
    let entry = access_log::Entry::begin(&request, resolved.label());
    let origin = request::header(&request, "origin");
    let proved = request::header(&request, "dpop").is_some();
    let cors = Cors::from_env(&env);
    let outcome = if let Some(to) = redirect {
        redirect_to(&request, to, &method)
    } else if method == Method::Options {
        cors.preflight(origin.as_deref())
    } else {
        let counted = match profile {
            ApiProfile::OtpAuthV1 if path.starts_with("/api/v1/") => {
                counted(&env, &request::client_ip(&request)).await
            }
            _ => None,
        };
        let outcome = match &counted {
            Some(counted) if counted.exceeded() => counted.refusal(),
            _ => answer(resolved, request, &env).await,
        };
        let outcome = match &counted {
            Some(counted) => counted.decorate(outcome),
            None => outcome,
        };
        let auth = AuthConfig::from_env(&env).ok();
        let outcome = dpop::offer_nonce(auth.as_ref().map(|a| &a.hmac_secret[..]), proved, outcome);
        cors.decorate(origin.as_deref(), outcome)
    };
    // Under otp-auth-v1 every error is answered in the Go service's codes and statuses; the
    // OAuth endpoints answer theirs as RFC 6749 spells them, under every profile.
    let outcome = match (profile, resolved) {
        (_, Resolved::Found { route, .. }) if route.form_body => outcome.into_oauth(),
        (ApiProfile::OtpAuthV1, Resolved::Found { route, .. }) => outcome.into_go(Some(route)),
        (ApiProfile::OtpAuthV1, _) => outcome.into_go(None),
        (ApiProfile::Native, _) => outcome,
    };
    let route = match resolved {
        Resolved::Found { route, .. } if method != Method::Options => Some(route.id),
        _ => None,
    };
    metrics::record(
        &ctx,
        &env,
        &Answered {
            route,
            label: resolved.label(),
            status: outcome.response.status_code(),
            code: outcome.code,
            event: outcome.event,
            latency_ms: entry.elapsed_ms(),
            otp: outcome.otp.as_ref(),
            region: outcome.region.as_deref(),
        },
    );
    entry.finish(&outcome);
    Ok(outcome.response)
}

async fn answer(resolved: Resolved<'_>, request: Request, env: &Env) -> Outcome {
    let (route, id) = match resolved {
        Resolved::Found { route, id } => (route, id.map(str::to_owned)),
        Resolved::MethodNotAllowed { .. } => {
            return Outcome::code(ErrorCode::MethodNotAllowed, "method not allowed")
        }
        Resolved::NotFound => return Outcome::code(ErrorCode::NotFound, "not found"),
    };
    let handled = match admit(route, id, request, env).await {
        Ok(ctx) => run(route.id, &ctx).await,
        Err(refused) => Err(refused),
    };
    match handled {
        Ok(outcome) | Err(outcome) => outcome,
    }
}

/// The central policies, then the body and the context. A refusal here means the handler never
/// runs.
async fn admit(
    route: &'static Route,
    id: Option<String>,
    mut request: Request,
    env: &Env,
) -> std::result::Result<Ctx, Outcome> {
    // An unreadable configuration counts as cookie mode: the check then fails closed.
    let auth = AuthConfig::from_env(env);
    let cookie_mode = auth.as_ref().map_or(true, |auth| auth.cookies);
    let cookie_names = auth.map_or_else(
        |_| CookieNames::default(),
        |auth| auth.api_profile.cookies(),
    );
    let header = |name| request::header(&request, name);
    let (authorization, cookie_header) = (header("authorization"), header("cookie"));
    let (csrf_header, content_length) = (header(cookies::CSRF_HEADER), header("content-length"));
    let content_type = header("content-type");
    let (origin, fetch_site) = (header("origin"), header("sec-fetch-site"));
    let origin_allowed = origin.as_deref().is_some_and(|o| {
        request::own_origin(&request).as_deref() == Some(o) || Cors::from_env(env).allows(o)
    });
    let arrival = Arrival {
        cookie_mode,
        cookie_names,
        authorization: authorization.as_deref(),
        cookie_header: cookie_header.as_deref(),
        csrf_header: csrf_header.as_deref(),
        content_length: content_length.as_deref(),
        origin: origin.as_deref(),
        origin_allowed,
        fetch_site: fetch_site.as_deref(),
    };
    policy::admit(route, &arrival)?;
    let body = if route.json_body || route.form_body {
        let body = request::body(&mut request).await?;
        if route.form_body {
            policy::form_content(content_type.as_deref(), &body)?;
        } else {
            policy::json_content(content_type.as_deref(), &body)?;
        }
        body
    } else {
        Vec::new()
    };
    Ok(Ctx::new(env.clone(), route, id, request, body))
}

/// The otp-auth-v1 request count of this client (`request_limit`), when the settings are
/// readable and Redis answers.
async fn counted(env: &Env, client_ip: &str) -> Option<request_limit::Counted> {
    let (config, auth) = (Config::from_env(env).ok()?, AuthConfig::from_env(env).ok()?);
    request_limit::count(&config, &auth, client_ip).await
}

/// Gin's trailing-slash redirect (otp-auth-v1): 301 for a GET, 307 otherwise, the query kept.
fn redirect_to(request: &Request, to: &str, method: &Method) -> Outcome {
    let query = request
        .url()
        .ok()
        .and_then(|url| url.query().map(str::to_owned));
    let location = match query {
        Some(query) => format!("{to}?{query}"),
        None => to.to_owned(),
    };
    let status = if *method == Method::Get { 301 } else { 307 };
    let redirected = Response::empty()
        .map(|r| r.with_status(status))
        .map(Outcome::from_response)
        .map_err(Outcome::from)
        .and_then(|outcome| outcome.with_header("location", &location));
    match redirected {
        Ok(outcome) | Err(outcome) => outcome,
    }
}
