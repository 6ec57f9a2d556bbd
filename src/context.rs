//! The request context, built once per request before its handler runs: the matched route, the
//! `{id}` segment, the headers, the body (read and capped centrally), the client's address and
//! user agent; and, made on first use, the configuration, each data region's Redis client and
//! account store, the signer and the keyring. A handler picks the region it works in: the
//! number's (`region_of_phone`) or the token's (`region_of_refresh_token`, `extract::caller`),
//! and names it in its answer (`outcome::in_region`).
//! Handlers take it instead of the raw request and environment, so none of them repeats the
//! prologue of reading settings and opening backends.

use crate::accounts::HyperdriveAccounts;
use crate::config::{AuthConfig, Config};
use crate::edge;
use crate::keyring::Keyring;
use crate::metrics;
use crate::outcome::{log_error, Outcome};
use crate::request;
use crate::signer::WebCryptoSigner;
use auth_adapters::upstash::{UpstashOnce, UpstashOtpStore, UpstashRedis};
use auth_core::domain::edge::EdgeSignals;
use auth_core::domain::phone::PhoneNumber;
use auth_core::domain::regions::{self, RegionId};
use auth_core::http::api_profile::CookieNames;
use auth_core::http::bodies;
use auth_core::http::oauth;
use auth_core::http::policy;
use auth_core::http::routes::Route;
use auth_core::ports::OtpStore;
use auth_core::usecases::invalid_phone;
use serde::de::DeserializeOwned;
use std::cell::OnceCell;
use std::rc::Rc;
use worker::{Env, Request};

pub struct Ctx {
    pub env: Env,
    pub route: &'static Route,
    /// The `{id}` segment of the path, for templates that have one.
    pub id: Option<String>,
    request: Request,
    body: Vec<u8>,
    pub client_ip: String,
    pub user_agent: Option<String>,
    /// Each region's Redis client, made on first use.
    redis: OnceCell<Box<[OnceCell<UpstashRedis>]>>,
}

impl Ctx {
    pub fn new(
        env: Env,
        route: &'static Route,
        id: Option<String>,
        request: Request,
        body: Vec<u8>,
    ) -> Self {
        Self {
            client_ip: request::client_ip(&request),
            user_agent: request::user_agent(&request),
            env,
            route,
            id,
            request,
            body,
            redis: OnceCell::new(),
        }
    }

    /// What the edge says about the caller (`EDGE_SIGNALS` says where it is read from).
    pub fn edge(&self) -> Result<EdgeSignals, Outcome> {
        Ok(edge::signals(
            &self.request,
            self.auth()?.settings.edge_source,
        ))
    }

    /// A request header, absent when empty.
    pub fn header(&self, name: &str) -> Option<String> {
        request::header(&self.request, name)
    }

    /// A cookie of the request, whatever the cookie mode.
    pub fn cookie(&self, name: &str) -> Option<String> {
        let header = self.header("cookie");
        policy::cookie(header.as_deref(), name).map(str::to_owned)
    }

    /// The query string's pairs, decoded.
    pub fn query(&self) -> Vec<(String, String)> {
        self.request
            .url()
            .map(|url| {
                url.query_pairs()
                    .map(|(k, v)| (k.into_owned(), v.into_owned()))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// The request's URL as the worker received it (what a DPoP proof's `htu` names).
    pub fn url(&self) -> String {
        self.request
            .url()
            .map(|url| url.to_string())
            .unwrap_or_default()
    }

    /// The service's own origin as this request reached it (`https://auth.example.com`).
    pub fn origin(&self) -> Option<String> {
        request::own_origin(&self.request)
    }

    /// The form body of an OAuth route as its type (`auth_core::http::oauth`), or the 400.
    pub fn form<T: DeserializeOwned>(&self) -> Result<T, Outcome> {
        oauth::parse_form(&self.body).map_err(Outcome::error)
    }

    /// The JSON body as the route's type (`auth_core::http::bodies`), or the 400 to answer.
    pub fn json<T: DeserializeOwned>(&self) -> Result<T, Outcome> {
        bodies::parse(&self.body).map_err(Outcome::error)
    }

    /// The connection settings of this isolate, or the 503 of a misconfigured deployment.
    pub fn config(&self) -> Result<Rc<Config>, Outcome> {
        Config::from_env(&self.env).map_err(|why| Outcome::misconfigured(&why))
    }

    /// The OTP and token settings of this isolate, or the 503 of a misconfigured deployment.
    pub fn auth(&self) -> Result<Rc<AuthConfig>, Outcome> {
        AuthConfig::from_env(&self.env).map_err(|why| Outcome::misconfigured(&why))
    }

    /// The auth cookies' names in this deployment's profile.
    pub fn cookie_names(&self) -> Result<CookieNames, Outcome> {
        Ok(self.auth()?.api_profile.cookies())
    }

    /// In cookie mode, a cookie of the request; otherwise nothing (cookies are ignored).
    pub fn mode_cookie(&self, name: &str) -> Result<Option<String>, Outcome> {
        Ok(if self.auth()?.cookies {
            self.cookie(name)
        } else {
            None
        })
    }

    /// The number a client typed, parsed once (national input with `DEFAULT_REGION`): routing
    /// and the use case both take this value. A number that does not parse is the 400.
    pub fn phone(&self, typed: &str) -> Result<PhoneNumber, Outcome> {
        let national = self.auth()?.settings.default_region;
        PhoneNumber::parse(typed, national)
            .map_err(|why| Outcome::failure("invalid phone", &invalid_phone(&why), &why))
    }

    /// The region holding the number's codes and (but for one made elsewhere) its account.
    pub fn region_of_phone(&self, phone: &PhoneNumber) -> Result<RegionId, Outcome> {
        Ok(self.config()?.regions.of_number(phone))
    }

    /// The region a presented refresh token names (untagged tokens: the default region). A tag
    /// this deployment does not know goes to the default region too, where no token has its
    /// hash: it is refused as any unknown token is.
    pub fn region_of_refresh_token(&self, token: Option<&str>) -> Result<RegionId, Outcome> {
        let regions = &self.config()?.regions;
        let tag = token.and_then(|t| regions::split_tag(t).0);
        Ok(regions.of_tag(tag).unwrap_or(regions.default_region()))
    }

    /// The region of what belongs to no user: the metrics, the otp-auth-v1 request limit.
    pub fn default_region(&self) -> Result<RegionId, Outcome> {
        Ok(self.config()?.regions.default_region())
    }

    /// The region's name, as its tokens carry it (`None` without regions).
    pub fn region_name(&self, region: RegionId) -> Result<Option<String>, Outcome> {
        Ok(self.config()?.regions.name(region).map(str::to_owned))
    }

    /// A region's keys taken once (`SET NX EX`): DPoP proofs' `jti`s, passkey challenges.
    pub fn once_store_in(&self, region: RegionId) -> Result<UpstashOnce<'_>, Outcome> {
        let prefix = self.config()?.redis_key_prefix.clone();
        Ok(UpstashOnce::new(self.redis_in(region)?, prefix))
    }

    /// The region a user handle's or a refresh token's tag names; `None` for a tag this
    /// deployment does not have.
    pub fn region_of_tag(&self, tag: Option<&str>) -> Result<Option<RegionId>, Outcome> {
        Ok(self.config()?.regions.of_tag(tag))
    }

    /// A region's Redis REST client, made on first use.
    pub fn redis_in(&self, region: RegionId) -> Result<&UpstashRedis, Outcome> {
        let config = self.config()?;
        let cells = self
            .redis
            .get_or_init(|| (0..config.regions.len()).map(|_| OnceCell::new()).collect());
        Ok(cells[region.0].get_or_init(|| config.redis_in(region)))
    }

    /// The OTP store of a region: the codes of its numbers.
    pub fn otp_store_in(&self, region: RegionId) -> Result<UpstashOtpStore<'_>, Outcome> {
        let prefix = self.config()?.redis_key_prefix.clone();
        Ok(UpstashOtpStore::new(self.redis_in(region)?, prefix)
            .with_later(metrics::later_in(region)))
    }

    /// A number no account has any more (a deletion freed it, or its user moved to another):
    /// the OTP store of its region forgets the account its logins reached, so nothing links
    /// the number to that id. Both deletions and the number change end here. The change stands
    /// if this fails (the account store refuses a stale hint, 'deleted' or 'moved', and it
    /// expires): operators see one error line, the caller its answer.
    pub async fn forget_number(&self, phone: &PhoneNumber) {
        let store = match self
            .region_of_phone(phone)
            .and_then(|r| self.otp_store_in(r))
        {
            Ok(store) => store,
            Err(_) => return log_error("a freed number's account hint kept", &"no OTP store"),
        };
        if let Err(error) = store.forget_account(phone).await {
            log_error("a freed number's account hint kept", &error);
        }
    }

    /// The account store of a region, lent one Hyperdrive connection per borrow.
    pub fn accounts_in(&self, region: RegionId) -> Result<HyperdriveAccounts<'_>, Outcome> {
        Ok(HyperdriveAccounts {
            env: &self.env,
            config: self.config()?,
            region,
            idle_secs: self.auth()?.settings.session_idle_secs,
            client_ip: Some(self.client_ip.clone()),
            user_agent: self.user_agent.clone(),
        })
    }

    /// The access-token signer (the key is imported once per isolate).
    pub async fn signer(&self) -> Result<WebCryptoSigner, Outcome> {
        let auth = self.auth()?;
        WebCryptoSigner::load(&auth.signing_key_pem, &auth.signing_kid)
            .await
            .map_err(|why| Outcome::misconfigured(&why))
    }

    /// The verification keys (built once per isolate).
    pub async fn keyring(&self) -> Result<Rc<Keyring>, Outcome> {
        let auth = self.auth()?;
        Keyring::load(
            &auth.signing_key_pem,
            &auth.signing_kid,
            auth.verification_keys.as_deref(),
            auth.next_keys.as_deref(),
        )
        .await
        .map_err(|why| Outcome::misconfigured(&why))
    }
}
