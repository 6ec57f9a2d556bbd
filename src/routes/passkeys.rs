//! The passkey routes (issue 30): registration options and registration for a logged-in user,
//! a discoverable sign-in's options and the sign-in, the caller's list and a removal, and the
//! app association files. What each decides is `auth_core::usecases::passkeys`; here are the
//! runtime's parts: WebCrypto for the signatures, the region's Redis for taking a challenge
//! once, the region's database.

use crate::accounts::HyperdriveAccounts;
use crate::context::Ctx;
use crate::dpop::{self, Replay};
use crate::extract::{self, Caller};
use crate::outcome::{in_region, Handled, Outcome};
use crate::platform::{WebCryptoRandom, WorkerClock};
use crate::responses;
use crate::webcrypto;
use auth_adapters::upstash::UpstashOnce;
use auth_core::domain::passkey::user_of_handle;
use auth_core::domain::webauthn::cose::CredentialKey;
use auth_core::domain::webauthn::SignatureVerifier;
use auth_core::http::error::ErrorCode;
use auth_core::http::metrics::Event;
use auth_core::http::passkey_bodies::{LoginBody, RegisterBody};
use auth_core::usecases::passkeys::{manage, policy, register, sign_in, PasskeyError};
use serde_json::json;

/// A passkey's signature, checked by the runtime's WebCrypto.
struct WebCryptoPasskeys;

impl SignatureVerifier for WebCryptoPasskeys {
    async fn verify(&self, key: &CredentialKey, signed: &[u8], signature: &[u8]) -> bool {
        webcrypto::verify_credential(key, signed, signature).await
    }
}

/// A refusal as the contract answers it (logged when it is ours, a 5xx).
fn refused(what: &str, error: &PasskeyError) -> Outcome {
    Outcome::failure(what, &error.problem(), error)
}

fn no_store(outcome: Outcome) -> Handled {
    outcome.with_header("cache-control", "no-store")
}

type RegisterDeps<'a> = register::Deps<
    'a,
    HyperdriveAccounts<'a>,
    UpstashOnce<'a>,
    WebCryptoPasskeys,
    WebCryptoRandom,
    WorkerClock,
>;

/// Runs `work` with registration's dependencies, in the caller's region.
async fn registering<T>(
    ctx: &Ctx,
    caller: &Caller,
    work: impl AsyncFnOnce(&register::Caller<'_>, &RegisterDeps<'_>) -> T,
) -> Result<T, Outcome> {
    let auth = ctx.auth()?;
    let deps = register::Deps {
        accounts: &ctx.accounts_in(caller.region)?,
        once: &ctx.once_store_in(caller.region)?,
        verifier: &WebCryptoPasskeys,
        rng: &WebCryptoRandom,
        clock: &WorkerClock,
        settings: &auth.settings,
        hmac_secret: &auth.hmac_secret,
    };
    let who = register::Caller {
        user: &caller.user,
        session: &caller.session,
        region: caller.region_name.as_deref(),
    };
    Ok(work(&who, &deps).await)
}

/// `POST /api/v1/passkeys/register/options`.
pub async fn register_options(ctx: &Ctx) -> Handled {
    let caller = extract::caller(ctx).await?;
    let options = registering(ctx, &caller, async |who, deps| {
        register::options(deps, who).await
    })
    .await?;
    let options = options.map_err(|e| refused("passkey options failed", &e).for_caller(&caller))?;
    no_store(Outcome::json(200, &options)?.for_caller(&caller))
}

/// `POST /api/v1/passkeys/register`.
pub async fn register(ctx: &Ctx) -> Handled {
    let caller = extract::caller(ctx).await?;
    let body: RegisterBody = ctx.json()?;
    let decoded = body
        .decode()
        .map_err(|e| Outcome::error(e).for_caller(&caller))?;
    let registration = register::Registration {
        client_data_json: &decoded.client_data_json,
        attestation_object: &decoded.attestation_object,
        transports: &decoded.transports,
        name: &decoded.name,
    };
    let added = registering(ctx, &caller, async |who, deps| {
        register::register(deps, who, &registration).await
    })
    .await?;
    let added =
        added.map_err(|e| refused("passkey registration failed", &e).for_caller(&caller))?;
    let body = json!({"message": "Passkey registered", "passkey": manage::passkey_json(&added)});
    no_store(Outcome::json(201, &body)?.for_caller(&caller))
}

/// `POST /api/v1/passkeys/login/options`: nothing is stored, so anyone may ask.
pub async fn login_options(ctx: &Ctx) -> Handled {
    let auth = ctx.auth()?;
    let options = sign_in::options(
        &auth.settings,
        &auth.hmac_secret,
        &WebCryptoRandom,
        &WorkerClock,
    )
    .map_err(|e| refused("passkey options failed", &e))?;
    no_store(Outcome::json(200, &options)?)
}

/// `POST /api/v1/passkeys/login`: the user handle names the region and the user; the answer
/// is a phone login's.
pub async fn login(ctx: &Ctx) -> Handled {
    let auth = ctx.auth()?;
    policy(&auth.settings).map_err(|e| refused("passkey login failed", &e))?;
    let body: LoginBody = ctx.json()?;
    let decoded = body.decode().map_err(Outcome::error)?;
    let not_ours = || refused("passkey login failed", &PasskeyError::NotRecognized);
    let (tag, user) = user_of_handle(&decoded.user_handle).ok_or_else(not_ours)?;
    let region = ctx.region_of_tag(tag)?.ok_or_else(not_ours)?;
    let region_name = ctx.region_name(region)?;
    // A proof binds the pair to its key; its `jti` is not taken, the challenge is.
    let binding = dpop::proved_key(ctx, None, Replay::LoginStepTakenOnce).await?;
    let deps = sign_in::Deps {
        accounts: &ctx.accounts_in(region)?,
        once: &ctx.once_store_in(region)?,
        verifier: &WebCryptoPasskeys,
        signer: &ctx.signer().await?,
        rng: &WebCryptoRandom,
        clock: &WorkerClock,
        settings: &auth.settings,
        hmac_secret: &auth.hmac_secret,
        region: region_name.as_deref(),
    };
    let assertion = sign_in::Assertion {
        credential: &decoded.credential,
        user: &user,
        client_data_json: &decoded.client_data_json,
        authenticator_data: &decoded.authenticator_data,
        signature: &decoded.signature,
        user_agent: ctx.user_agent.as_deref(),
        client_ip: Some(&ctx.client_ip),
        binding: binding.as_deref(),
    };
    let signed_in = match sign_in::sign_in(&deps, &assertion).await {
        Ok(tokens) => {
            let extra = json!({"is_new_user": false});
            responses::deliver("Login successful", &tokens, extra, &auth)
                .map(|outcome| outcome.with_event(Event::ReturningUser))
        }
        Err(error) => Err(refused("passkey login failed", &error)),
    };
    in_region(signed_in, region_name.as_deref())
}

/// `GET /api/v1/passkeys`.
pub async fn list(ctx: &Ctx) -> Handled {
    let caller = extract::caller(ctx).await?;
    let listed = manage::list(
        &ctx.accounts_in(caller.region)?,
        &caller.user,
        &caller.session,
    )
    .await
    .map_err(|e| refused("passkeys failed", &e).for_caller(&caller))?;
    let shown: Vec<_> = listed.iter().map(manage::passkey_json).collect();
    Ok(Outcome::json(200, &json!({ "passkeys": shown }))?.for_caller(&caller))
}

/// `DELETE /api/v1/passkeys/{id}` (the CSRF check of a cookie caller ran centrally).
pub async fn delete(ctx: &Ctx) -> Handled {
    let caller = extract::caller(ctx).await?;
    let id = ctx.id.as_deref().unwrap_or_default();
    let auth = ctx.auth()?;
    let accounts = ctx.accounts_in(caller.region)?;
    manage::remove(&accounts, &auth.settings, &caller.user, &caller.session, id)
        .await
        .map_err(|e| refused("passkey removal failed", &e).for_caller(&caller))?;
    Ok(Outcome::json(200, &json!({"message": "Passkey removed"}))?.for_caller(&caller))
}

/// `GET /.well-known/assetlinks.json`: the Android apps of `PASSKEY_ANDROID_APPS` may use the
/// passkeys (and the sign-in credentials) of this domain.
pub fn asset_links(ctx: &Ctx) -> Handled {
    let auth = ctx.auth()?;
    let apps = auth.settings.passkeys.as_ref().map(|p| &p.android_apps[..]);
    let Some(apps @ [_, ..]) = apps else {
        return Err(Outcome::code(
            ErrorCode::NotFound,
            "no Android app is configured",
        ));
    };
    let statements: Vec<_> = apps
        .iter()
        .map(|app| {
            json!({
                "relation": ["delegate_permission/common.handle_all_urls",
                             "delegate_permission/common.get_login_creds"],
                "target": {
                    "namespace": "android_app",
                    "package_name": app.package,
                    "sha256_cert_fingerprints": [app.fingerprint()],
                },
            })
        })
        .collect();
    Outcome::json(200, &statements)?.with_header("cache-control", "public, max-age=3600")
}

/// `GET /.well-known/apple-app-site-association`: the iOS apps of `PASSKEY_APPLE_APP_IDS` may
/// use the passkeys of this domain (`webcredentials`).
pub fn apple_app_site_association(ctx: &Ctx) -> Handled {
    let auth = ctx.auth()?;
    let apps = auth
        .settings
        .passkeys
        .as_ref()
        .map(|p| &p.apple_app_ids[..]);
    let Some(apps @ [_, ..]) = apps else {
        return Err(Outcome::code(
            ErrorCode::NotFound,
            "no iOS app is configured",
        ));
    };
    let body = json!({"webcredentials": {"apps": apps}});
    Outcome::json(200, &body)?.with_header("cache-control", "public, max-age=3600")
}
