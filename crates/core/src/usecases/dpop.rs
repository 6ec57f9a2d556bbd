//! A request's DPoP proof (RFC 9449), checked in the one order every route uses: taken apart
//! and held to the request (method, URL, time, the access token's hash, the server's nonce),
//! then its signature, then its `jti` taken once. Cheap checks first, so garbage never costs
//! a signature check or a store round trip; the `jti` last, so a proof that fails any check
//! spends nothing a genuine retry needs.
//!
//! Where the `jti` is taken: every route but the two logins. A phone login's proof comes with a
//! code that is itself taken once, atomically (`OtpStore::verify`), and a passkey sign-in's
//! with a challenge taken once (`domain::passkey::challenge`), so a replayed login proof
//! carries a spent code or challenge; taking its `jti` too would cost each login a second
//! gateway call for nothing.

use super::Problem;
use crate::domain::dpop::{self, nonce, Expected, ProofError, ProofVerifier};
use crate::http::error::{ErrorBody, ErrorCode};
use crate::ports::{BackendError, OnceStore, UnixSeconds};

/// What checks a proof.
pub struct ProofDeps<'a, V, O> {
    pub verifier: &'a V,
    /// Where the `jti` is taken once; `None` where the route's own single-use step stands in
    /// for it (the login's code).
    pub once: Option<&'a O>,
    /// The secret the server's nonces are made with (`domain::dpop::nonce`).
    pub nonce_secret: &'a [u8],
    pub now: UnixSeconds,
}

/// The request a proof came with.
pub struct ProofRequest<'a> {
    /// The `DPoP` header as received.
    pub proof: &'a str,
    pub method: &'a str,
    pub url: &'a str,
    /// The access token presented with it, on a bearer route: the proof must carry its hash,
    /// and be made by the key the token names (`cnf.jkt`).
    pub access_token: Option<(&'a str, &'a str)>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DpopError {
    #[error(transparent)]
    Proof(#[from] ProofError),
    #[error("the proof's key is not the one the token is bound to")]
    OtherKey,
    #[error("the proof was used before")]
    Replayed,
    #[error(transparent)]
    Backend(#[from] BackendError),
}

/// Checks the proof; its key's thumbprint (`jkt`) when it holds.
pub async fn accept<V: ProofVerifier, O: OnceStore>(
    deps: &ProofDeps<'_, V, O>,
    request: &ProofRequest<'_>,
) -> Result<String, DpopError> {
    let proof = dpop::parse(request.proof)?;
    let current = nonce::current(deps.nonce_secret, deps.now);
    // Any nonce still accepted counts as the expected one; otherwise the current one is
    // expected, and the client is told it (`use_dpop_nonce` with `DPoP-Nonce`).
    let accepted = proof
        .claims
        .nonce
        .as_deref()
        .filter(|n| nonce::accepts(deps.nonce_secret, n, deps.now));
    proof.check(&Expected {
        method: request.method,
        url: request.url,
        now: deps.now,
        access_token: request.access_token.map(|(token, _)| token),
        nonce: Some(accepted.unwrap_or(&current)),
    })?;
    proof.verify_signature(deps.verifier).await?;
    let jkt = proof.jkt();
    if let Some((_, bound_to)) = request.access_token {
        if !crate::domain::secrets::same_secret(jkt.as_bytes(), bound_to.as_bytes()) {
            return Err(DpopError::OtherKey);
        }
    }
    if let Some(once) = deps.once {
        let key = dpop::replay_key(&jkt, &proof.claims.jti);
        if !once.claim(&key, dpop::REPLAY_TTL_SECS).await? {
            return Err(DpopError::Replayed);
        }
    }
    Ok(jkt)
}

impl DpopError {
    /// The RFC 9449 error a client reads in `WWW-Authenticate`, beside the contract's code;
    /// `None` for a backend failure, which is no fault of the proof.
    pub fn rfc_error(&self) -> Option<&'static str> {
        match self {
            DpopError::Proof(error) => Some(error.code()),
            DpopError::OtherKey | DpopError::Replayed => Some("invalid_dpop_proof"),
            DpopError::Backend(_) => None,
        }
    }

    pub fn problem(&self) -> Problem {
        Problem::new(match self {
            DpopError::Proof(ProofError::Nonce) => ErrorBody::new(
                ErrorCode::UseDpopNonce,
                "the DPoP proof must carry the nonce in DPoP-Nonce",
            ),
            DpopError::Proof(why) => {
                ErrorBody::new(ErrorCode::InvalidDpopProof, "invalid DPoP proof")
                    .with_details(why.to_string())
            }
            DpopError::OtherKey | DpopError::Replayed => {
                ErrorBody::new(ErrorCode::InvalidDpopProof, "invalid DPoP proof")
                    .with_details(self.to_string())
            }
            DpopError::Backend(error) => super::backend_body(error),
        })
    }
}

// Its proofs are made with p256, as the domain's tests make them (native only).
#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests;
