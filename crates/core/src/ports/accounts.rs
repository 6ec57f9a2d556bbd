//! The account store: users, sessions and refresh tokens.

use super::{
    BackendError, BlockChange, DeleteOutcome, Deletion, PhoneChange, PhoneChangeOutcome,
    UnixSeconds,
};
use crate::domain::account::{Scope, User, UserId};
use crate::domain::admin::UserQuery;
use crate::domain::phone::PhoneNumber;
use crate::domain::secrets::{PresentedToken, RefreshSecret, RefreshToken};
use crate::domain::session::SessionId;
use std::future::Future;

/// What a successful login writes.
pub struct NewLogin<'a> {
    pub phone: &'a PhoneNumber,
    /// The id the user gets if this phone has no account yet.
    pub new_user_id: &'a UserId,
    /// A freshly minted id: a login always starts a new session.
    pub session: &'a SessionId,
    /// The random half of the session's first refresh token; the store keeps only the hash of
    /// `RefreshToken::for_user(account id, secret)`, since the id is known only once the phone's
    /// account is found.
    pub refresh_secret: &'a RefreshSecret,
    pub refresh_expires_at: UnixSeconds,
    pub user_agent: Option<&'a str>,
    pub client_ip: Option<&'a str>,
    /// The scope a user this login creates gets (an existing user keeps theirs).
    pub new_user_scope: &'a Scope,
    /// The account the number's last login reached, as the OTP store remembers it: a store
    /// may try it first and skip the phone's claim. A hint, never an authority: the login
    /// MUST reach the account the phone's claim names whatever the hint says (a hint naming a
    /// deleted user, one who moved to another number, or none at all is worth nothing).
    pub known_account: Option<&'a UserId>,
    /// The thumbprint of the DPoP key the login proved (`cnf.jkt`), if any: the session's
    /// refresh tokens are bound to it ([`RefreshToken::bound_to`]).
    pub binding: Option<&'a str>,
}

impl NewLogin<'_> {
    /// The session's first refresh token, once the account is known: the store keeps its hash,
    /// the client gets its text. One place makes it, so the two always agree.
    pub fn refresh_token(&self, account: &UserId) -> RefreshToken {
        RefreshToken::for_user(account, self.refresh_secret).bound_to(self.binding)
    }
}

/// The account a login ended in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LoginAccount {
    /// This login created the user.
    Created(User),
    /// The phone already had this user.
    Found(User),
    /// The phone's user is blocked: no session was started.
    Blocked(User),
}

impl LoginAccount {
    pub fn user(&self) -> &User {
        match self {
            LoginAccount::Created(user)
            | LoginAccount::Found(user)
            | LoginAccount::Blocked(user) => user,
        }
    }

    pub fn into_user(self) -> User {
        match self {
            LoginAccount::Created(user)
            | LoginAccount::Found(user)
            | LoginAccount::Blocked(user) => user,
        }
    }
}

/// Users, sessions and refresh tokens. Implementations MUST:
/// - make `login` find (or claim) the phone's account id, then write the rest atomically: the
///   user (created if absent), the session and its refresh token all exist afterwards, or none
///   of them changed; a claim whose account write failed is finished by the phone's next login;
///   a session id the user already has (live, ended or revoked) is an error, never revived;
///   a blocked user gets no session (`LoginAccount::Blocked`); a deleted user is never brought
///   back: a claim that still names one is replaced, and the login makes a new user;
/// - make a block and a deletion end every session at once, and order them with a concurrent
///   login of the same user so that no session outlives them;
/// - answer every check of a session from the primary (a write), never a cache, so a revoked
///   session stops working at once;
/// - write the audit row of each change in the same atomic step as the change.
pub trait AccountStore {
    fn login(
        &self,
        login: &NewLogin<'_>,
    ) -> impl Future<Output = Result<LoginAccount, BackendError>>;
    /// The user of a live session (not revoked, not expired, not idle too long), marking the
    /// session used; `None` when the session is gone.
    fn user_of_session(
        &self,
        user: &UserId,
        session: &SessionId,
    ) -> impl Future<Output = Result<Option<User>, BackendError>>;
    /// Rotates a refresh token in one atomic write: the presented token is marked used and its
    /// successor stored, or, when a token that was already used comes back outside the grace
    /// window, its whole session is revoked.
    fn rotate(
        &self,
        rotation: &Rotation<'_>,
    ) -> impl Future<Output = Result<RotationOutcome, BackendError>>;
    /// Ends sessions of the presented token's user: this one, every other, or all; a token
    /// that was already rotated revokes its own session instead (`Reused`).
    fn logout(
        &self,
        token: &PresentedToken,
        scope: LogoutScope,
    ) -> impl Future<Output = Result<LogoutOutcome, BackendError>>;
    /// The live sessions of the caller, whose own session must be live; `None` when it is not.
    fn sessions(
        &self,
        user: &UserId,
        session: &SessionId,
    ) -> impl Future<Output = Result<Option<Vec<SessionInfo>>, BackendError>>;
    /// Revokes one of the caller's sessions and its refresh tokens.
    fn revoke_session(
        &self,
        user: &UserId,
        session: &SessionId,
        target: &SessionId,
    ) -> impl Future<Output = Result<RevokeOutcome, BackendError>>;
    /// The user an imported refresh token of the Go service belongs to (`LegacyImport`),
    /// found by the token's hash alone; `None` for a hash that was never imported.
    fn legacy_token_owner(
        &self,
        hash: &[u8; 32],
    ) -> impl Future<Output = Result<Option<UserId>, BackendError>>;
    /// The user whose account holds this number here (its claim), if any. With data regions,
    /// a login asks the other regions this before making an account for a number its home
    /// region does not know (`usecases::login`).
    fn phone_owner(
        &self,
        phone: &PhoneNumber,
    ) -> impl Future<Output = Result<Option<UserId>, BackendError>>;
    /// One user by id, for an admin (who is authorized by the caller, in core).
    fn find_user(&self, id: &UserId) -> impl Future<Output = Result<Option<User>, BackendError>>;
    /// A superadmin's change of a user's scope, audited with the acting admin; `None` when
    /// there is no such user. (The admin is authorized by the caller, in core.)
    fn set_scope_by(
        &self,
        user: &UserId,
        scope: &Scope,
        admin: &UserId,
    ) -> impl Future<Output = Result<Option<User>, BackendError>>;
    /// The live sessions of any user, newest use first, for an admin (authorized by the
    /// caller, in core), audited with the admin; empty for a user without any, or no such user.
    /// Read with a write, so no cache answers it.
    fn user_sessions(
        &self,
        user: &UserId,
        admin: &UserId,
    ) -> impl Future<Output = Result<Vec<SessionInfo>, BackendError>>;
    /// Moves the caller's account to a new number: the new number's claim, the account's
    /// change, then the old number's release. A number another account has is refused
    /// without a change. A login between the steps finds a consistent account: the claimed
    /// number is the user's, or the pending one, or the claim is stale and replaced.
    fn change_phone(
        &self,
        change: &PhoneChange<'_>,
    ) -> impl Future<Output = Result<PhoneChangeOutcome, BackendError>>;
    /// A superadmin blocks (`true`) or unblocks a user, audited with the admin; blocking ends
    /// every session. `None` when there is no such user.
    fn set_blocked_by(
        &self,
        user: &UserId,
        blocked: bool,
        admin: &UserId,
    ) -> impl Future<Output = Result<Option<BlockChange>, BackendError>>;
    /// Deletes a user: its sessions and tokens, its phone's claim, the addresses and user agents
    /// of its audit rows; the audit rows keep the bare id, and the id is never used again.
    fn delete_account(
        &self,
        user: &UserId,
        by: Deletion<'_>,
    ) -> impl Future<Output = Result<DeleteOutcome, BackendError>>;
    /// One page of users, newest first, with the total that matches the filters.
    fn list_users(&self, query: &UserQuery)
        -> impl Future<Output = Result<UserPage, BackendError>>;
}

/// A page of the admin listing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserPage {
    pub users: Vec<User>,
    pub total: u64,
}

/// One live session, as the sessions list shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionInfo {
    pub id: SessionId,
    pub created_at: UnixSeconds,
    pub last_used_at: UnixSeconds,
    pub expires_at: UnixSeconds,
    pub user_agent: Option<String>,
    pub ip: Option<String>,
}

/// What revoking a session came to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RevokeOutcome {
    Revoked,
    /// No live session with that id belongs to the caller.
    NotFound,
    /// The caller's own session is not live.
    Unauthenticated,
}

/// What a logout came to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogoutOutcome {
    /// The chosen sessions are ended (possibly none besides the token's own).
    Ended,
    /// The token is not a live refresh token: nothing changed.
    NotLive,
    /// The token was already rotated and came back: its session and tokens are revoked, as a
    /// reuse on the refresh path is.
    Reused,
}

/// A refresh to perform.
pub struct Rotation<'a> {
    pub presented: &'a PresentedToken,
    pub successor_hash: &'a [u8; 32],
    /// When the client names its session, the token must belong to it.
    pub session: Option<&'a SessionId>,
    pub successor_expires_at: UnixSeconds,
    /// A used token presented again within this many seconds counts as a retry, not a theft.
    pub grace_secs: u32,
}

/// What a refresh came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RotationOutcome {
    /// The successor is stored; here is the user, the session it belongs to, and when the
    /// successor expires: the asked expiry, or the session's end when that comes first.
    Rotated {
        user: User,
        session: SessionId,
        expires_at: UnixSeconds,
    },
    /// A used token came back: the session and all its tokens are revoked.
    Reused,
    /// Unknown, expired, revoked, or of another session.
    Invalid,
}

/// Which sessions a logout ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogoutScope {
    /// The presented token's session.
    Local,
    /// Every session of the user but this one.
    Others,
    /// Every session of the user.
    Global,
}
