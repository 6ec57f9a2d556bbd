//! What the worker publishes: the JWKS, its OpenAPI document, and the metrics behind their token.

use crate::context::Ctx;
use crate::outcome::{Handled, Outcome};
use crate::platform::WorkerClock;
use auth_adapters::metrics;
use auth_adapters::upstash::RedisError;
use auth_core::domain::secrets::same_secret;
use auth_core::http::api_profile::ApiProfile;
use auth_core::http::error::ErrorCode;
use auth_core::ports::Clock;

/// The OpenAPI document of each profile: the source of truth for its clients, checked by the
/// tests.
const OPENAPI: &str = include_str!("../../openapi/openapi.yaml");
const OPENAPI_OTP_AUTH_V1: &str = include_str!("../../openapi/otp-auth-v1.yaml");

pub async fn jwks(ctx: &Ctx) -> Handled {
    let ring = ctx.keyring().await?;
    // Verifiers may cache the set briefly; a rotation publishes the new key before it signs.
    Outcome::json(200, &ring.jwks())?.with_header("cache-control", "public, max-age=300")
}

/// The active profile's document.
pub fn openapi(ctx: &Ctx) -> Handled {
    let document = match ctx.auth()?.api_profile {
        ApiProfile::Native => OPENAPI,
        ApiProfile::OtpAuthV1 => OPENAPI_OTP_AUTH_V1,
    };
    Outcome::text(document, "application/yaml; charset=utf-8")
}

/// `GET /metrics`: every isolate's counters in the Prometheus text format, for the bearer of
/// `METRICS_TOKEN` only.
pub async fn metrics(ctx: &Ctx) -> Handled {
    let env = &ctx.env;
    let expected = env
        .secret("METRICS_TOKEN")
        .or_else(|_| env.var("METRICS_TOKEN"))
        .map(|v| v.to_string())
        .map_err(|_| {
            Outcome::code(
                ErrorCode::NotFound,
                "metrics are not enabled (set METRICS_TOKEN)",
            )
        })?;
    let presented = ctx
        .header("authorization")
        .and_then(|h| h.strip_prefix("Bearer ").map(str::to_owned))
        .unwrap_or_default();
    if expected.is_empty() || !same_secret(presented.as_bytes(), expected.as_bytes()) {
        return Err(Outcome::code(
            ErrorCode::Unauthorized,
            "a valid metrics token is required",
        ));
    }
    let prefix = &ctx.config()?.redis_key_prefix;
    let redis = ctx.redis_in(ctx.default_region()?)?;
    let failed = |e: RedisError| Outcome::unavailable("metrics read failed", &e);
    let mut fields = metrics::read(redis, &metrics::hash_key(prefix))
        .await
        .map_err(failed)?;
    let open = metrics::open_breakers(redis, prefix, WorkerClock.now())
        .await
        .map_err(failed)?;
    fields.extend(open);
    Outcome::text(
        &metrics::render(&fields),
        "text/plain; version=0.0.4; charset=utf-8",
    )
}
