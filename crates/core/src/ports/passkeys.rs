//! The account store's passkeys: registered from a recently logged-in session, used to sign
//! in without a code, listed and removed by their user, and gone with the account.

use super::{BackendError, UnixSeconds};
use crate::domain::account::{User, UserId};
use crate::domain::passkey::{CredentialId, PasskeyName};
use crate::domain::session::SessionId;
use std::future::Future;

/// A passkey to register, its attestation already verified.
pub struct NewPasskey<'a> {
    pub user: &'a UserId,
    /// The caller's session: it must be live and have logged in at most
    /// `max_auth_age_secs` ago, as for a number change.
    pub session: &'a SessionId,
    pub max_auth_age_secs: u32,
    pub credential: &'a CredentialId,
    /// The credential's public key as its authenticator sent it (a COSE_Key).
    pub public_key: &'a [u8],
    /// Its COSE algorithm (`webauthn::cose::OFFERED_ALGORITHMS`).
    pub algorithm: i64,
    /// The authenticator's sign count at registration.
    pub sign_count: u32,
    /// How the client may reach the authenticator (`internal`, `hybrid`, `usb`...), as the
    /// client listed them, for the `allowCredentials` hints of a later sign-in.
    pub transports: &'a [String],
    pub name: &'a PasskeyName,
    /// The most passkeys the user may have (`passkey::MAX_PASSKEYS_PER_USER`).
    pub max_passkeys: u32,
}

/// What registering a passkey came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PasskeyAdded {
    Added(PasskeyInfo),
    /// The caller's session is not live. Nothing changed.
    SessionGone,
    /// The caller's session logged in too long ago. Nothing changed.
    NotRecent,
    /// The user already has a passkey with this credential id. Nothing changed.
    AlreadyRegistered,
    /// The user has the most passkeys allowed. Nothing changed.
    TooMany,
}

/// A passkey as its user sees it in a list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PasskeyInfo {
    pub credential: CredentialId,
    pub name: String,
    pub transports: Vec<String>,
    pub created_at: UnixSeconds,
    pub last_used_at: Option<UnixSeconds>,
}

/// The caller's passkeys, and the number their account has (the name a registration gives the
/// passkey's user, which the device shows in its account picker).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PasskeyList {
    pub phone: String,
    pub passkeys: Vec<PasskeyInfo>,
}

/// What a sign-in's signature is checked with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredKey {
    pub public_key: Vec<u8>,
    pub algorithm: i64,
}

/// A sign-in with a passkey whose assertion verified.
pub struct PasskeySignIn<'a> {
    pub user: &'a UserId,
    pub credential: &'a CredentialId,
    /// The sign count the assertion carries.
    pub sign_count: u32,
    /// A freshly minted id: a sign-in always starts a new session, as a login does.
    pub session: &'a SessionId,
    /// The hash of the session's first refresh token.
    pub refresh_hash: &'a [u8; 32],
    pub refresh_expires_at: UnixSeconds,
    pub user_agent: Option<&'a str>,
    pub client_ip: Option<&'a str>,
}

/// What a sign-in with a passkey came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PasskeySignInOutcome {
    /// The session and its first refresh token are stored, the sign count moved on.
    SignedIn(User),
    /// The user is blocked: no session, an audit row.
    Blocked(User),
    /// The sign count did not move forward (a cloned authenticator, or a replay): no session,
    /// an audit row naming both counts.
    Rollback { stored: u32 },
    /// No such passkey for that user (removed, never registered, or its user deleted).
    Unknown,
}

/// What removing a passkey came to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PasskeyRemoval {
    Removed,
    /// The caller has no passkey with that id.
    NotFound,
    /// The caller's session is not live.
    SessionGone,
    /// The caller's session logged in too long ago. Nothing changed.
    NotRecent,
}

/// The passkeys of users. Implementations MUST:
/// - count a user's passkeys and insert a new one in one atomic step, so that racing
///   registrations cannot pass `max_passkeys`;
/// - compare and advance the sign count in one atomic step with the session's start: when
///   either the stored or the presented count is not zero, the presented one must be greater
///   (WebAuthn §6.1.1), and two sign-ins presenting the same non-zero count cannot both pass;
/// - refuse a blocked user's sign-in and start no session for it, as a login does;
/// - remove a user's passkeys with the account (`AccountStore::delete_account`);
/// - write the audit row of each registration, sign-in, refusal and removal in the same atomic
///   step as the change.
pub trait PasskeyStore {
    fn add_passkey(
        &self,
        passkey: &NewPasskey<'_>,
    ) -> impl Future<Output = Result<PasskeyAdded, BackendError>>;
    /// The key to check a sign-in's signature with. A read that may be served from a cache:
    /// `sign_in_with_passkey` checks again that the passkey is there.
    fn passkey_key(
        &self,
        user: &UserId,
        credential: &CredentialId,
    ) -> impl Future<Output = Result<Option<StoredKey>, BackendError>>;
    fn sign_in_with_passkey(
        &self,
        sign_in: &PasskeySignIn<'_>,
    ) -> impl Future<Output = Result<PasskeySignInOutcome, BackendError>>;
    /// The caller's passkeys, oldest first; `None` when the caller's session is not live.
    fn passkeys(
        &self,
        user: &UserId,
        session: &SessionId,
    ) -> impl Future<Output = Result<Option<PasskeyList>, BackendError>>;
    /// Removes one of the caller's passkeys, from a session that logged in at most
    /// `max_auth_age_secs` ago (as a registration needs).
    fn remove_passkey(
        &self,
        user: &UserId,
        session: &SessionId,
        max_auth_age_secs: u32,
        credential: &CredentialId,
    ) -> impl Future<Output = Result<PasskeyRemoval, BackendError>>;
}
