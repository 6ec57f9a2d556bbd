//! Moving accounts over from the Go service this one replaces (MaisamV/otp-auth, v1): its
//! users and its live refresh tokens, a batch at a time (`auth-ops import-otp-auth`).
//!
//! A Go refresh token is 32 random characters and does not name its user, so each imported
//! token also gets a row in a lookup table keyed by its hash (on Citus, distributed by that
//! hash): the first refresh with it finds the user there, then rotates it like any of ours.

use super::{BackendError, UnixSeconds};
use crate::domain::account::{Scope, UserId};
use crate::domain::phone::PhoneNumber;
use crate::domain::session::SessionId;
use std::future::Future;

/// A user of the Go service, as this service will keep them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportedUser {
    /// The Go service's id: access tokens and logs of both services name the same user.
    pub id: UserId,
    pub phone: PhoneNumber,
    pub scope: Scope,
    pub created_at: UnixSeconds,
    pub updated_at: UnixSeconds,
}

/// What importing one user came to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum UserImport {
    /// Written now: the user, the phone's claim and an `imported` audit row.
    Created,
    /// An earlier run wrote it (same id, same phone): nothing changed.
    AlreadyImported,
    /// Another account here already has this phone (someone logged in before the import, or
    /// the source held one number twice in two spellings): skipped, nothing changed.
    PhoneTaken,
    /// A user with this id and another phone exists here: skipped, nothing changed.
    IdTaken,
    /// A user with this id was deleted here: skipped. A deleted user is never brought back.
    Deleted,
}

/// A live refresh token of the Go service.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportedToken {
    /// SHA-256 of the token, as the Go service stored it (in hex).
    pub hash: [u8; 32],
    pub user: UserId,
    /// The phone the token's user had in the source: the token is attached only to a user
    /// here with that id and that phone.
    pub phone: PhoneNumber,
    /// The Go service's session id (64 hex characters), which its clients keep in a cookie.
    pub session: SessionId,
    pub created_at: UnixSeconds,
    pub expires_at: UnixSeconds,
}

/// What importing a batch of tokens came to.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TokensImported {
    /// Written now, each with its session (made or extended) and its lookup row.
    pub stored: u64,
    /// An earlier run wrote them: nothing changed (a token used or revoked here since stays so).
    pub already: u64,
    /// Their user is blocked here: skipped (a blocked user gets no session).
    pub of_blocked_user: u64,
    /// Their user is not here (skipped at import, deleted here, or another user with that id):
    /// skipped.
    pub without_user: u64,
}

/// The two passes of an import, in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ImportPhase {
    Users,
    Tokens,
}

impl ImportPhase {
    pub fn as_str(self) -> &'static str {
        match self {
            ImportPhase::Users => "users",
            ImportPhase::Tokens => "tokens",
        }
    }
}

/// The end of a batch: the source's last id in it, in the order the import reads (ids
/// ascending). Stored with the batch, so a run that stops resumes after the last whole batch;
/// forgotten when the run finishes.
#[derive(Debug, Clone, Copy)]
pub struct Checkpoint<'a> {
    /// Names the source database (host, port and database; never a password).
    pub source: &'a str,
    pub phase: ImportPhase,
    pub last_id: &'a str,
}

/// Where imported accounts are written. Implementations MUST write each batch atomically
/// together with its checkpoint (all of it or nothing), MUST be idempotent (a batch written
/// again changes nothing and says so), and MUST never revive or extend anything this service
/// has ended, whatever the source says: a user deleted here is not created again, a user
/// blocked here is given no token or session, and a token used or revoked here stays so.
pub trait LegacyImport {
    /// Imports users, answering one outcome per user, in order.
    fn import_users(
        &self,
        users: &[ImportedUser],
        done: &Checkpoint<'_>,
    ) -> impl Future<Output = Result<Vec<UserImport>, BackendError>>;
    /// Imports live refresh tokens (their sessions too) and their lookup rows.
    fn import_tokens(
        &self,
        tokens: &[ImportedToken],
        done: &Checkpoint<'_>,
    ) -> impl Future<Output = Result<TokensImported, BackendError>>;
    /// Forgets the source's checkpoints: its import is complete, so the next run is a whole
    /// new pass (which finds what the source gained since, and changes nothing else).
    fn finish(&self, source: &str) -> impl Future<Output = Result<(), BackendError>>;
    /// The last id of the last batch written for this source and phase by a run that did not
    /// finish, if any.
    fn checkpoint(
        &self,
        source: &str,
        phase: ImportPhase,
    ) -> impl Future<Output = Result<Option<String>, BackendError>>;
}
