//! `POST /api/v1/passkeys/register/options` and `POST /api/v1/passkeys/register`: a logged-in
//! user asks for creation options (a challenge bound to their user and session), their
//! authenticator makes a credential, and the attestation is verified and the passkey stored.

use super::{policy, random16, PasskeyError, TIMEOUT_MS};
use crate::config::settings::Settings;
use crate::domain::account::UserId;
use crate::domain::passkey::challenge::{self, Purpose};
use crate::domain::passkey::{user_handle, CredentialId, PasskeyName, MAX_PASSKEYS_PER_USER};
use crate::domain::session::SessionId;
use crate::domain::webauthn::attestation::Attestation;
use crate::domain::webauthn::cose::OFFERED_ALGORITHMS;
use crate::domain::webauthn::WebauthnError;
use crate::domain::webauthn::{check_signature, Ceremony, ClientData, SignatureVerifier};
use crate::ports::{
    AccountLender, Clock, NewPasskey, OnceStore, PasskeyAdded, PasskeyInfo, PasskeyStore,
    SecureRandom,
};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use serde_json::{json, Value};

/// The caller, from their access token.
pub struct Caller<'a> {
    pub user: &'a UserId,
    pub session: &'a SessionId,
    /// Their data region's name (`None` without regions): the user handle carries it.
    pub region: Option<&'a str>,
}

impl Caller<'_> {
    /// What the caller's registration challenge is bound to: their user and session.
    fn purpose(&self) -> Purpose<'_> {
        Purpose::Register {
            user: self.user.as_str(),
            session: self.session.as_str(),
        }
    }
}

pub struct Deps<'a, A, O, V, R, C> {
    pub accounts: &'a A,
    /// The caller's region's once-store: the challenge is taken once there.
    pub once: &'a O,
    pub verifier: &'a V,
    pub rng: &'a R,
    pub clock: &'a C,
    pub settings: &'a Settings,
    pub hmac_secret: &'a [u8],
}

/// The creation options (WebAuthn's `PublicKeyCredentialCreationOptionsJSON`): a challenge
/// for this user and session, the algorithms offered, a discoverable credential with the user
/// verified, no attestation asked, and the caller's passkeys excluded.
pub async fn options<A, O, V, R, C>(
    deps: &Deps<'_, A, O, V, R, C>,
    caller: &Caller<'_>,
) -> Result<Value, PasskeyError>
where
    A: AccountLender,
    R: SecureRandom,
    C: Clock,
{
    let policy = policy(deps.settings)?;
    let listed = deps
        .accounts
        .lend(async |s| s.passkeys(caller.user, caller.session).await)
        .await?
        .ok_or(PasskeyError::SessionGone)?;
    let challenge = challenge::issue(
        deps.hmac_secret,
        caller.purpose(),
        random16(deps.rng)?,
        deps.clock.now(),
    );
    let handle = user_handle(caller.region, caller.user);
    let params: Vec<Value> = OFFERED_ALGORITHMS
        .iter()
        .map(|alg| json!({"type": "public-key", "alg": alg}))
        .collect();
    let exclude: Vec<Value> = listed.passkeys.iter().map(descriptor).collect();
    Ok(json!({
        "challenge": challenge,
        "rp": {"id": policy.rp_id, "name": policy.rp_name},
        "user": {
            "id": URL_SAFE_NO_PAD.encode(handle),
            "name": listed.phone,
            "displayName": listed.phone,
        },
        "pubKeyCredParams": params,
        "timeout": TIMEOUT_MS,
        "attestation": "none",
        "authenticatorSelection": {
            "residentKey": "required",
            "requireResidentKey": true,
            "userVerification": "required",
        },
        "excludeCredentials": exclude,
    }))
}

/// A credential descriptor (`PublicKeyCredentialDescriptorJSON`).
pub(super) fn descriptor(passkey: &PasskeyInfo) -> Value {
    json!({
        "type": "public-key",
        "id": passkey.credential.to_base64url(),
        "transports": passkey.transports,
    })
}

/// What the client sends back from `navigator.credentials.create()`, decoded.
pub struct Registration<'a> {
    pub client_data_json: &'a [u8],
    pub attestation_object: &'a [u8],
    /// `response.getTransports()`, as the client listed them.
    pub transports: &'a [String],
    pub name: &'a PasskeyName,
}

/// Verifies a registration and stores the passkey: the client data (a `webauthn.create` for a
/// challenge issued to this user and session, from an allowed origin), the attestation
/// (`none`, or `packed` self-attestation checked with the new key), the RP id, the user
/// present and verified; the challenge taken once; then the store's own checks (a recent
/// login, a new credential, the limit).
pub async fn register<A, O, V, R, C>(
    deps: &Deps<'_, A, O, V, R, C>,
    caller: &Caller<'_>,
    registration: &Registration<'_>,
) -> Result<PasskeyInfo, PasskeyError>
where
    A: AccountLender,
    O: OnceStore,
    V: SignatureVerifier,
    C: Clock,
{
    let policy = policy(deps.settings)?;
    let client_data = ClientData::parse(registration.client_data_json)?;
    let checked = challenge::check(
        deps.hmac_secret,
        caller.purpose(),
        &client_data.challenge,
        deps.clock.now(),
    )
    .map_err(PasskeyError::Challenge)?;
    client_data.check(Ceremony::Create, &client_data.challenge, &policy.origins())?;
    let attestation = Attestation::parse(registration.attestation_object)?;
    attestation.auth_data.check(&policy.rp_id)?;
    let credential = attestation
        .auth_data
        .credential
        .as_ref()
        .ok_or(WebauthnError::Attestation)?;
    if let Some(signature) = &attestation.self_signature {
        let signed = check_signature(
            deps.verifier,
            &credential.key,
            &attestation.raw_auth_data,
            registration.client_data_json,
            signature,
        );
        // A self-attestation that does not verify is a malformed registration, not a sign-in
        // by someone else's passkey.
        signed.await.map_err(|_| WebauthnError::Attestation)?;
    }
    if !deps
        .once
        .claim(&checked.replay_key, checked.ttl_secs)
        .await?
    {
        return Err(PasskeyError::ChallengeUsed);
    }
    let credential_id =
        CredentialId::from_bytes(&credential.id).map_err(|_| WebauthnError::AuthenticatorData)?;
    let passkey = NewPasskey {
        user: caller.user,
        session: caller.session,
        max_auth_age_secs: deps.settings.phone_change_max_auth_age_secs,
        credential: &credential_id,
        public_key: &credential.cose_key,
        algorithm: credential.key.algorithm(),
        sign_count: attestation.auth_data.sign_count,
        transports: registration.transports,
        name: registration.name,
        max_passkeys: MAX_PASSKEYS_PER_USER,
    };
    let added = deps
        .accounts
        .lend(async |s| s.add_passkey(&passkey).await)
        .await?;
    match added {
        PasskeyAdded::Added(info) => Ok(info),
        PasskeyAdded::SessionGone => Err(PasskeyError::SessionGone),
        PasskeyAdded::NotRecent => Err(PasskeyError::NotRecent),
        PasskeyAdded::AlreadyRegistered => Err(PasskeyError::AlreadyRegistered),
        PasskeyAdded::TooMany => Err(PasskeyError::TooMany),
    }
}
