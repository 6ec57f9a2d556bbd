//! `POST /api/v1/passkeys/login/options` and `POST /api/v1/passkeys/login`: a discoverable
//! sign-in. The options name no one (the authenticator offers the user's passkeys for the RP
//! id), and the assertion's user handle says whose passkey answered: its region and user
//! (`domain::passkey::user_handle`). The answer is exactly a phone login's: a new session, its
//! token pair, the user. No code is sent.

use super::{policy, random16, PasskeyError, TIMEOUT_MS};
use crate::config::settings::Settings;
use crate::domain::account::UserId;
use crate::domain::passkey::challenge::{self, Purpose};
use crate::domain::passkey::CredentialId;
use crate::domain::secrets::{RefreshSecret, RefreshToken};
use crate::domain::session::SessionId;
use crate::domain::webauthn::authenticator_data::AuthenticatorData;
use crate::domain::webauthn::cose::CredentialKey;
use crate::domain::webauthn::WebauthnError;
use crate::domain::webauthn::{check_signature, Ceremony, ClientData, SignatureVerifier};
use crate::ports::{
    AccountLender, Clock, OnceStore, PasskeySignIn, PasskeySignInOutcome, PasskeyStore,
    SecureRandom, TokenSigner,
};
use crate::usecases::{IssuedTokens, Signing};
use serde_json::{json, Value};

pub struct Deps<'a, A, O, V, T, R, C> {
    /// The account store of the region the user handle names.
    pub accounts: &'a A,
    /// That region's once-store: the challenge is taken once there.
    pub once: &'a O,
    pub verifier: &'a V,
    pub signer: &'a T,
    pub rng: &'a R,
    pub clock: &'a C,
    pub settings: &'a Settings,
    pub hmac_secret: &'a [u8],
    /// The region's name, for the tokens (`None` without regions).
    pub region: Option<&'a str>,
}

/// The request options (`PublicKeyCredentialRequestOptionsJSON`) of a discoverable sign-in:
/// a challenge, the RP id, the user verified, and no credential named. Nothing is stored.
pub fn options(
    settings: &Settings,
    hmac_secret: &[u8],
    rng: &impl SecureRandom,
    clock: &impl Clock,
) -> Result<Value, PasskeyError> {
    let policy = policy(settings)?;
    let challenge = challenge::issue(hmac_secret, Purpose::SignIn, random16(rng)?, clock.now());
    Ok(json!({
        "challenge": challenge,
        "rpId": policy.rp_id,
        "timeout": TIMEOUT_MS,
        "userVerification": "required",
        "allowCredentials": [],
    }))
}

/// What the client sends back from `navigator.credentials.get()`, decoded; `user` is the
/// user its user handle names (the caller found the region from the same handle).
pub struct Assertion<'a> {
    pub credential: &'a CredentialId,
    pub user: &'a UserId,
    pub client_data_json: &'a [u8],
    pub authenticator_data: &'a [u8],
    pub signature: &'a [u8],
    pub user_agent: Option<&'a str>,
    pub client_ip: Option<&'a str>,
    /// The thumbprint of the DPoP key the request proved, if any: the pair is bound to it, as
    /// a phone login's is.
    pub binding: Option<&'a str>,
}

/// Verifies an assertion and signs its user in. In order: the client data (a `webauthn.get`
/// for a sign-in challenge of ours, unexpired, from an allowed origin) and the authenticator
/// data (the RP id, the user present and verified), which cost nothing; the passkey's key
/// (one read) and the signature; only then the challenge, taken once (so neither garbage nor a
/// forgery writes anything), and the sign-in write: the sign count compared and advanced, the
/// session started.
pub async fn sign_in<A, O, V, T, R, C>(
    deps: &Deps<'_, A, O, V, T, R, C>,
    assertion: &Assertion<'_>,
) -> Result<IssuedTokens, PasskeyError>
where
    A: AccountLender,
    O: OnceStore,
    V: SignatureVerifier,
    T: TokenSigner,
    R: SecureRandom,
    C: Clock,
{
    let policy = policy(deps.settings)?;
    let now = deps.clock.now();
    let client_data = ClientData::parse(assertion.client_data_json)?;
    let checked = challenge::check(
        deps.hmac_secret,
        Purpose::SignIn,
        &client_data.challenge,
        now,
    )
    .map_err(PasskeyError::Challenge)?;
    client_data.check(Ceremony::Get, &client_data.challenge, &policy.origins())?;
    let auth_data = AuthenticatorData::parse(assertion.authenticator_data)?;
    auth_data.check(&policy.rp_id)?;
    if auth_data.credential.is_some() {
        // An assertion attests no new credential.
        return Err(WebauthnError::AuthenticatorData.into());
    }
    let session = SessionId::generate(deps.rng)?;
    let refresh_secret = RefreshSecret::generate(deps.rng)?;
    let refresh =
        RefreshToken::for_user(assertion.user, &refresh_secret).bound_to(assertion.binding);
    let refresh_expires_at = now + i64::from(deps.settings.refresh_token_ttl_secs);
    let outcome = deps
        .accounts
        .lend(async |s| {
            let stored = s.passkey_key(assertion.user, assertion.credential).await?;
            let key = stored
                .and_then(|k| CredentialKey::from_cose_bytes(&k.public_key).ok())
                .ok_or(PasskeyError::NotRecognized)?;
            check_signature(
                deps.verifier,
                &key,
                assertion.authenticator_data,
                assertion.client_data_json,
                assertion.signature,
            )
            .await
            .map_err(|_| PasskeyError::NotRecognized)?;
            if !deps
                .once
                .claim(&checked.replay_key, checked.ttl_secs)
                .await?
            {
                return Err(PasskeyError::ChallengeUsed);
            }
            let sign_in = PasskeySignIn {
                user: assertion.user,
                credential: assertion.credential,
                sign_count: auth_data.sign_count,
                session: &session,
                refresh_hash: &refresh.hash,
                refresh_expires_at,
                user_agent: assertion.user_agent,
                client_ip: assertion.client_ip,
            };
            Ok(s.sign_in_with_passkey(&sign_in).await?)
        })
        .await?;
    let user = match outcome {
        PasskeySignInOutcome::SignedIn(user) => user,
        PasskeySignInOutcome::Blocked(_) => return Err(PasskeyError::Blocked),
        PasskeySignInOutcome::Rollback { .. } => return Err(PasskeyError::Rollback),
        // Removed (or its user deleted) between the read and the write.
        PasskeySignInOutcome::Unknown => return Err(PasskeyError::NotRecognized),
    };
    let signing = Signing {
        signer: deps.signer,
        rng: deps.rng,
        settings: deps.settings,
        now,
        region: deps.region,
        binding: assertion.binding,
    };
    IssuedTokens::sign(signing, user, session, refresh, refresh_expires_at)
        .await
        .map_err(PasskeyError::Token)
}
