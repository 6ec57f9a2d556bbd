//! DPoP (RFC 9449) at the edge: the request's proof, checked by `auth_core::usecases::dpop`
//! with WebCrypto for the signature and the region's Redis for the `jti`; the refusal with the
//! RFC's challenge; and the server nonce every answer to a proof carries (`DPoP-Nonce`).

use crate::context::Ctx;
use crate::outcome::Outcome;
use crate::platform::WorkerClock;
use crate::webcrypto;
use auth_core::domain::dpop::{nonce, ProofKey, ProofVerifier, PROOF_ALGORITHM};
use auth_core::domain::regions::RegionId;
use auth_core::ports::Clock;
use auth_core::usecases::dpop::{accept, DpopError, ProofDeps, ProofRequest};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;

/// The proof's own key, imported for the one check (a proof's key is not worth caching: a
/// client's next proof is by the same key, but an attacker's are by a new one each time).
struct WebCryptoProofVerifier;

impl ProofVerifier for WebCryptoProofVerifier {
    async fn verify(&self, key: &ProofKey, signing_input: &[u8], signature: &[u8]) -> bool {
        let (x, y) = (URL_SAFE_NO_PAD.encode(key.x), URL_SAFE_NO_PAD.encode(key.y));
        match webcrypto::import_public(&x, &y).await {
            Ok(key) => webcrypto::verify_es256(&key, signature, signing_input).await,
            // A point off the curve: no key, so no signature by it.
            Err(_) => false,
        }
    }
}

/// Where a route takes a proof's `jti` once.
#[derive(Clone, Copy)]
pub enum Replay {
    /// In this region's Redis (the region of the token the request presents).
    TakeIn(RegionId),
    /// Not at all: a login, whose own single-use step stands in for it (a phone login's code,
    /// a passkey sign-in's challenge; `auth_core::usecases::dpop`).
    LoginStepTakenOnce,
}

/// The thumbprint of the key the request's `DPoP` proof holds, checked for this route; `None`
/// when the request has no proof. `access_token` is a bound token's text and key, on a bearer
/// route. `Err` is the 401 with the RFC's challenge (or the 503 of a store that did not answer).
pub async fn proved_key(
    ctx: &Ctx,
    access_token: Option<(&str, &str)>,
    replay: Replay,
) -> Result<Option<String>, Outcome> {
    let Some(proof) = ctx.header("dpop") else {
        return Ok(None);
    };
    let auth = ctx.auth()?;
    let once = match replay {
        Replay::TakeIn(region) => Some(ctx.once_store_in(region)?),
        Replay::LoginStepTakenOnce => None,
    };
    let deps = ProofDeps {
        verifier: &WebCryptoProofVerifier,
        once: once.as_ref(),
        nonce_secret: &auth.hmac_secret,
        now: WorkerClock.now(),
    };
    let url = ctx.url();
    let request = ProofRequest {
        proof: &proof,
        method: ctx.route.method.as_str(),
        url: &url,
        access_token,
    };
    accept(&deps, &request)
        .await
        .map(Some)
        .map_err(|error| refused(&error))
}

/// The refusal of a proof: the contract's body, and `WWW-Authenticate: DPoP` with the RFC's
/// error, so a DPoP client library knows to retry with the nonce it is given.
fn refused(error: &DpopError) -> Outcome {
    let outcome = Outcome::failure("DPoP proof refused", &error.problem(), error);
    match error.rfc_error() {
        Some(code) => challenge(outcome, code),
        None => outcome,
    }
}

/// `WWW-Authenticate: DPoP` with an RFC 6750 / 9449 error (`invalid_token` for a token that
/// needs a proof it did not come with).
pub fn challenge(outcome: Outcome, error: &str) -> Outcome {
    let value = format!("DPoP error=\"{error}\", algs=\"{PROOF_ALGORITHM}\"");
    match outcome.with_header("www-authenticate", &value) {
        Ok(outcome) | Err(outcome) => outcome,
    }
}

/// Adds the current server nonce to the answer of a request that came with a proof, or that
/// was told to make one: the client's next proof carries it (RFC 9449 §8.2).
pub fn offer_nonce(ctx_secret: Option<&[u8]>, proved: bool, outcome: Outcome) -> Outcome {
    // Only a 401 can carry a DPoP challenge: every other answer skips the header lookup (a
    // call into the runtime on every request otherwise).
    let challenged = !proved
        && outcome.response.status_code() == 401
        && outcome
            .response
            .headers()
            .get("www-authenticate")
            .ok()
            .flatten()
            .is_some_and(|v| v.starts_with("DPoP"));
    match ctx_secret {
        Some(secret) if proved || challenged => {
            let current = nonce::current(secret, WorkerClock.now());
            match outcome.with_header("dpop-nonce", &current) {
                Ok(outcome) | Err(outcome) => outcome,
            }
        }
        _ => outcome,
    }
}
