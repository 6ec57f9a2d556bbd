//! Settings from the Workers environment (`[vars]` in wrangler.toml, secrets, `.dev.vars`).
//!
//! The OTP and token policy is parsed by `auth_core::config::settings`, and what a deployment must meet
//! to serve is `auth_core::config::deployment` (both tested natively); this module reads the connection
//! settings, the secrets and the SMS provider from the environment.

use crate::regions::{self, RegionBackends};
use auth_adapters::turnstile::{Expected, SITEVERIFY_URL};
use auth_adapters::upstash::UpstashRedis;
use auth_core::config::deployment;
use auth_core::config::settings::Settings;
use auth_core::domain::delivery::Channel;
use auth_core::domain::regions::{RegionId, Regions};
use auth_core::domain::risk::CaptchaMode;
use auth_core::http::api_profile::rate_limit::RequestLimit;
use auth_core::http::api_profile::ApiProfile;
use std::cell::RefCell;
use std::rc::Rc;
use worker::Env;

thread_local! {
    /// The parsed configuration of this isolate. An isolate serves one version of the worker,
    /// whose bindings never change, so parsing (the phone numbers of `OTP_TEST_NUMBERS`
    /// especially) happens once per isolate instead of once per request.
    static PARSED: RefCell<Option<Rc<Parsed>>> = const { RefCell::new(None) };
}

/// Both halves of the configuration, or why each is refused.
struct Parsed {
    config: Result<Rc<Config>, String>,
    auth: Result<Rc<AuthConfig>, String>,
}

fn parsed(env: &Env) -> Rc<Parsed> {
    if let Some(p) = PARSED.with(|c| c.borrow().clone()) {
        return p;
    }
    let p = Rc::new(Parsed {
        config: Config::parse(env).map(Rc::new),
        auth: AuthConfig::parse(env).map(Rc::new),
    });
    PARSED.with(|c| *c.borrow_mut() = Some(p.clone()));
    p
}

/// How the worker talks TLS to the Postgres endpoint of the Hyperdrive binding.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PostgresTls {
    /// Plain TCP: only for the local pooler on loopback.
    Off,
    /// STARTTLS negotiated by the Workers runtime, as production Hyperdrive expects.
    StartTls,
}

/// Which SMS provider sends codes, with its settings.
pub enum SmsProvider {
    /// Prints messages to the log; development only.
    Console,
    Webhook {
        url: String,
        secret: String,
    },
    Twilio {
        api_base: String,
        account_sid: String,
        auth_token: String,
        from: String,
        /// `TWILIO_WHATSAPP_FROM`: required when `OTP_CHANNELS` offers WhatsApp.
        whatsapp_from: Option<String>,
        /// `TWILIO_WHATSAPP_CONTENT_SID`: the approved template the code goes into.
        whatsapp_content_sid: Option<String>,
        /// `TWILIO_VOICE_FROM`: the caller id of voice calls (`TWILIO_FROM` when unset).
        voice_from: Option<String>,
    },
}

/// Everything a request may need from configuration.
pub struct Config {
    /// The data regions (`DATA_REGIONS`; one unnamed region without it).
    pub regions: Regions,
    /// Each region's database and Redis, in `RegionId` order.
    pub backends: Vec<RegionBackends>,
    pub postgres_tls: PostgresTls,
    /// Prepended to every Redis key (lets several deployments share one Redis).
    pub redis_key_prefix: String,
}

/// The authentication's own configuration, on top of the backends of [`Config`]: the policy
/// settings, the secrets (the code MAC's server secret, the signing key and the keys that
/// verify), the SMS provider, the cookie mode and API profile, and Turnstile.
pub struct AuthConfig {
    pub settings: Settings,
    /// The server secret of the code MACs. Never logged.
    pub hmac_secret: Vec<u8>,
    pub sms: SmsProvider,
    pub signing_key_pem: String,
    pub signing_kid: String,
    /// Public keys of earlier signing keys, JSON `[{"kid", "x", "y"}]`: kept until their tokens
    /// expire, so a key rotation logs nobody out.
    pub verification_keys: Option<String>,
    /// Keys published ahead of signing (`JWT_NEXT_KEYS`), for clients that cache the JWKS.
    pub next_keys: Option<String>,
    /// Cookies authenticate: `COOKIE_MODE=on`, or a profile whose clients always use them.
    pub cookies: bool,
    /// The contract the worker speaks (`API_PROFILE`).
    pub api_profile: ApiProfile,
    /// otp-auth-v1's per-client request limit on `/api/v1`.
    pub request_limit: RequestLimit,
    /// Cloudflare Turnstile's siteverify URL and secret (`TURNSTILE_VERIFY_URL`,
    /// `TURNSTILE_SECRET`), and what a solved challenge must have been for
    /// (`TURNSTILE_HOSTNAMES`, `TURNSTILE_ACTION`); required unless `CAPTCHA=never`.
    pub turnstile: Option<(String, String, Expected)>,
}

/// Reads a var or a secret by name; empty counts as unset.
fn lookup(env: &Env, name: &str) -> Option<String> {
    env.var(name)
        .map(|v| v.to_string())
        .or_else(|_| env.secret(name).map(|v| v.to_string()))
        .ok()
        .filter(|v| !v.is_empty())
}

fn required(env: &Env, name: &str) -> Result<String, String> {
    lookup(env, name).ok_or_else(|| format!("missing setting {name}"))
}

impl Config {
    /// A client of a region's Redis REST endpoint: the one way the worker makes one, for the
    /// context, the probes and the metrics.
    pub fn redis_in(&self, region: RegionId) -> UpstashRedis {
        let backends = self.backends_of(region);
        UpstashRedis::new(&backends.redis_rest_url, &backends.redis_rest_token)
    }

    /// The default region's Redis: what belongs to no user's region (the otp-auth-v1 request
    /// limit, before the request's context exists; the metrics).
    pub fn redis(&self) -> UpstashRedis {
        self.redis_in(self.regions.default_region())
    }

    /// A region's backends. Every `RegionId` comes from `self.regions`, which has one entry
    /// per region in `backends`.
    pub fn backends_of(&self, region: RegionId) -> &RegionBackends {
        &self.backends[region.0]
    }

    /// Reads the configuration; a missing required setting is an error naming the variable.
    /// The connection settings of this isolate (parsed on first use).
    pub fn from_env(env: &Env) -> Result<Rc<Self>, String> {
        parsed(env).config.clone()
    }

    fn parse(env: &Env) -> Result<Self, String> {
        let postgres_tls = match lookup(env, "POSTGRES_TLS").as_deref() {
            Some("off") => PostgresTls::Off,
            Some("starttls") | None => PostgresTls::StartTls,
            Some(other) => {
                return Err(format!(
                    "POSTGRES_TLS must be off or starttls, not {other:?}"
                ))
            }
        };
        let regions = Regions::parse(
            lookup(env, "DATA_REGIONS").as_deref(),
            lookup(env, "DATA_REGION_DEFAULT").as_deref(),
        )?
        .with_former(lookup(env, "DATA_REGIONS_FORMER").as_deref())?;
        Ok(Self {
            backends: regions::backends(&regions, |name| lookup(env, name))?,
            regions,
            postgres_tls,
            redis_key_prefix: lookup(env, "REDIS_KEY_PREFIX").unwrap_or_default(),
        })
    }
}

impl AuthConfig {
    /// The OTP and token settings of this isolate (parsed and checked on first use).
    pub fn from_env(env: &Env) -> Result<Rc<Self>, String> {
        parsed(env).auth.clone()
    }

    /// The API profile, read leniently: the native one when the settings are unusable, so the
    /// request still gets an answer (liveness, readiness, the 503 of the other routes, which log
    /// why) in the service's own words.
    pub fn api_profile(env: &Env) -> ApiProfile {
        Self::from_env(env).map_or(ApiProfile::Native, |auth| auth.api_profile)
    }

    fn parse(env: &Env) -> Result<Self, String> {
        deployment::check(&|name: &str| lookup(env, name))?;
        let settings = Settings::from_lookup(|name| lookup(env, name))?;
        let hmac_secret = required(env, "OTP_HMAC_SECRET")?;
        let sms = match lookup(env, "SMS_PROVIDER").as_deref().unwrap_or("console") {
            "console" => SmsProvider::Console,
            "webhook" => SmsProvider::Webhook {
                url: required(env, "SMS_WEBHOOK_URL")?,
                secret: required(env, "SMS_WEBHOOK_SECRET")?,
            },
            "twilio" => SmsProvider::Twilio {
                api_base: lookup(env, "TWILIO_API_BASE")
                    .unwrap_or_else(|| "https://api.twilio.com".to_owned()),
                account_sid: required(env, "TWILIO_ACCOUNT_SID")?,
                auth_token: required(env, "TWILIO_AUTH_TOKEN")?,
                from: required(env, "TWILIO_FROM")?,
                whatsapp_from: match settings.channels.allows(Channel::Whatsapp) {
                    true => Some(required(env, "TWILIO_WHATSAPP_FROM")?),
                    false => None,
                },
                whatsapp_content_sid: lookup(env, "TWILIO_WHATSAPP_CONTENT_SID")
                    .filter(|v| !v.trim().is_empty()),
                voice_from: lookup(env, "TWILIO_VOICE_FROM").filter(|v| !v.trim().is_empty()),
            },
            other => {
                return Err(format!(
                    "SMS_PROVIDER must be console, webhook or twilio, not {other:?}"
                ))
            }
        };
        let api_profile = ApiProfile::parse(lookup(env, "API_PROFILE").as_deref())?;
        let turnstile = match settings.captcha {
            CaptchaMode::Never => None,
            CaptchaMode::Always | CaptchaMode::Risky => Some((
                lookup(env, "TURNSTILE_VERIFY_URL").unwrap_or_else(|| SITEVERIFY_URL.to_owned()),
                required(env, "TURNSTILE_SECRET")?,
                Expected::parse(
                    lookup(env, "TURNSTILE_HOSTNAMES").as_deref(),
                    lookup(env, "TURNSTILE_ACTION").as_deref(),
                )?,
            )),
        };
        Ok(Self {
            settings,
            hmac_secret: hmac_secret.into_bytes(),
            sms,
            signing_key_pem: required(env, "JWT_SIGNING_KEY")?,
            signing_kid: required(env, "JWT_SIGNING_KID")?,
            verification_keys: lookup(env, "JWT_VERIFICATION_KEYS"),
            next_keys: lookup(env, "JWT_NEXT_KEYS"),
            cookies: api_profile.always_cookies()
                || lookup(env, "COOKIE_MODE").is_some_and(|v| v == "on"),
            api_profile,
            request_limit: RequestLimit::parse(
                lookup(env, "API_RATE_LIMIT_REQUESTS").as_deref(),
                lookup(env, "API_RATE_LIMIT_WINDOW_SECONDS").as_deref(),
            )?,
            turnstile,
        })
    }
}
