//! Ports: the contracts the domain needs from the outside world.
//!
//! The worker runs on one thread per isolate, so these traits carry no `Send` bounds and are used
//! through static dispatch (generics), not trait objects.

use crate::phone::PhoneNumber;
use crate::secrets::{PresentedToken, RefreshSecret};
use crate::session::SessionId;
use crate::settings::Settings;
use std::future::Future;

/// Seconds since the Unix epoch, as read by whoever owns the clock.
pub type UnixSeconds = i64;

/// The clock. Implementations MUST return the current wall-clock time in whole seconds since the
/// Unix epoch. The domain never reads the system clock itself, so tests can feed it any time.
pub trait Clock {
    fn now(&self) -> UnixSeconds;
}

/// A cryptographically secure random source. Implementations MUST fill `dest` with bytes from a
/// CSPRNG (WebCrypto `getRandomValues` in the worker, the OS generator natively) and MUST NOT fall
/// back to a weaker generator on failure: they return an error instead.
pub trait SecureRandom {
    fn fill(&self, dest: &mut [u8]) -> Result<(), RandomUnavailable>;
}

/// The secure random source failed; the request that needed it cannot continue safely.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("secure random source unavailable")]
pub struct RandomUnavailable;

/// A backend that `GET /ready` checks. Implementations MUST make one real round trip to the
/// backend (not report cached state) and MUST return within their own timeout, reporting a
/// timeout as an error rather than hanging.
pub trait BackendProbe {
    /// Stable name of the backend as shown to operators, e.g. `"postgres"`.
    fn name(&self) -> &'static str;
    /// One round trip. `Err` carries a short operator-facing reason without secrets.
    fn probe(&self) -> impl Future<Output = Result<(), String>>;
}

/// A backend call that did not complete. The reason is for operators' logs and carries no
/// secret; clients only ever see `SERVICE_UNAVAILABLE` or `INTERNAL`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BackendError {
    /// Down, unreachable or too slow: the client may retry later (503).
    #[error("backend unavailable: {0}")]
    Unavailable(String),
    /// The backend answered something that should not happen (500).
    #[error("backend failed: {0}")]
    Failed(String),
}

/// Which limit stopped a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Limit {
    /// A code was sent to this phone less than the resend cooldown ago.
    Cooldown,
    /// Too many codes sent to this phone in the send window.
    PhoneWindow,
    /// Too many codes sent to this phone today.
    PhoneDaily,
    /// Too many sends or logins from this client IP in its window.
    ClientIp,
    /// Too many consecutive failed logins: the phone is locked for a while.
    Locked,
}

/// The outcome of asking to store a new code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IssueOutcome {
    /// The code's MAC is stored (replacing any earlier code for the phone) and counted.
    Issued,
    /// A limit refused it; nothing was stored or counted.
    Limited { limit: Limit, retry_after_secs: u32 },
}

/// The outcome of one login attempt against the stored code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VerifyOutcome {
    /// The right code for this session: it is consumed and can never verify again.
    Verified,
    /// No code is pending for the phone (never sent, expired, consumed or burned).
    NotFound,
    /// Wrong code or another session's: counted.
    Mismatch { attempts_left: u32 },
    /// This wrong guess used the last attempt: the code is deleted.
    Burned,
    /// A limit refused the attempt before it was checked.
    Limited { limit: Limit, retry_after_secs: u32 },
}

/// A request to store a code.
pub struct IssueRequest<'a> {
    pub phone: &'a PhoneNumber,
    pub session: &'a SessionId,
    /// HMAC of phone, session and code: the only form of the code that is stored.
    pub mac: &'a str,
    pub client_ip: &'a str,
    pub settings: &'a Settings,
}

/// A login attempt to check against the stored code.
pub struct VerifyRequest<'a> {
    pub phone: &'a PhoneNumber,
    pub session: &'a SessionId,
    pub mac: &'a str,
    pub client_ip: &'a str,
    pub settings: &'a Settings,
}

/// Pending codes and the counters that limit them. Implementations MUST make each call one
/// atomic step: two concurrent `verify` calls with the right code MUST NOT both see `Verified`,
/// every wrong guess MUST be counted, and `issue` MUST check and count its limits in the same
/// step that stores the code.
pub trait OtpStore {
    fn issue(
        &self,
        request: &IssueRequest<'_>,
    ) -> impl Future<Output = Result<IssueOutcome, BackendError>>;
    /// Deletes the phone's pending code if it is still the one with this MAC, and its resend
    /// cooldown: used when the SMS could not be sent, so no unusable code blocks a retry.
    fn withdraw(
        &self,
        phone: &PhoneNumber,
        mac: &str,
    ) -> impl Future<Output = Result<(), BackendError>>;
    fn verify(
        &self,
        request: &VerifyRequest<'_>,
    ) -> impl Future<Output = Result<VerifyOutcome, BackendError>>;
}

/// Why an SMS was not sent. The text is for operators' logs and MUST NOT contain the code.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("sms provider failed: {0}")]
pub struct SmsError(pub String);

/// Hands a message to an SMS provider. Implementations MUST return `Ok` only when the provider
/// accepted the message.
pub trait SmsSender {
    fn send(
        &self,
        to: &PhoneNumber,
        message: &str,
        code: &str,
    ) -> impl Future<Output = Result<(), SmsError>>;
}

/// A user as the contract shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    pub id: String,
    pub phone: String,
    pub scope: String,
    pub created_at: UnixSeconds,
    pub updated_at: UnixSeconds,
}

/// What a successful login writes.
pub struct NewLogin<'a> {
    pub phone: &'a PhoneNumber,
    /// The id the user gets if this phone has no account yet.
    pub new_user_id: &'a str,
    pub session: &'a SessionId,
    /// The random half of the session's first refresh token; the store keeps only the hash of
    /// `RefreshToken::for_user(account id, secret)`, since the id is known only once the phone's
    /// account is found.
    pub refresh_secret: &'a RefreshSecret,
    pub refresh_expires_at: UnixSeconds,
    pub user_agent: Option<&'a str>,
    pub client_ip: Option<&'a str>,
}

/// Users, sessions and refresh tokens. `login` finds (or claims) the phone's account id, then
/// writes the rest atomically: the user (created if absent), the session and its refresh token
/// all exist afterwards, or none of them changed. A claim whose account write failed is finished
/// by the phone's next login.
pub trait AccountStore {
    /// Returns the user and whether this login created it.
    fn login(
        &self,
        login: &NewLogin<'_>,
    ) -> impl Future<Output = Result<(User, bool), BackendError>>;
    /// The user of a live session (not revoked, not expired), marking the session used; `None`
    /// when the session is gone. MUST be answered by the primary (a write), never a cache, so a
    /// revoked session stops working at once.
    fn profile(
        &self,
        user_id: &str,
        session_id: &str,
    ) -> impl Future<Output = Result<Option<User>, BackendError>>;
    /// Rotates a refresh token in one atomic write: the presented token is marked used and its
    /// successor stored, or, when a token that was already used comes back outside the grace
    /// window, its whole session is revoked.
    fn rotate(
        &self,
        rotation: &Rotation<'_>,
    ) -> impl Future<Output = Result<RotationOutcome, BackendError>>;
    /// Ends sessions of the presented token's user: this one, every other, or all. `false` when
    /// the token is not a live refresh token.
    fn logout(
        &self,
        token: &PresentedToken,
        scope: LogoutScope,
    ) -> impl Future<Output = Result<bool, BackendError>>;
    /// The live sessions of the caller, whose own session must be live; `None` when it is not.
    fn sessions(
        &self,
        user_id: &str,
        session_id: &str,
    ) -> impl Future<Output = Result<Option<Vec<SessionInfo>>, BackendError>>;
    /// Revokes one of the caller's sessions and its refresh tokens.
    fn revoke_session(
        &self,
        user_id: &str,
        session_id: &str,
        target: &str,
    ) -> impl Future<Output = Result<RevokeOutcome, BackendError>>;
    /// An admin request by the caller, who must have a live session and the `superadmin` scope
    /// (read from the database, so a scope change applies at once).
    fn admin(
        &self,
        user_id: &str,
        session_id: &str,
        request: &AdminRequest<'_>,
    ) -> impl Future<Output = Result<AdminOutcome, BackendError>>;
}

/// The scope that may use the admin endpoints.
pub const SUPERADMIN: &str = "superadmin";

pub enum AdminRequest<'a> {
    List(&'a crate::admin::UserQuery),
    Get(&'a str),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AdminOutcome {
    Unauthenticated,
    Forbidden,
    Users { users: Vec<User>, total: u64 },
    User(Option<User>),
}

/// One live session, as the sessions list shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionInfo {
    pub id: String,
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

/// A refresh to perform.
pub struct Rotation<'a> {
    pub presented: &'a PresentedToken,
    pub successor_hash: &'a [u8; 32],
    /// When the client names its session, the token must belong to it.
    pub session_id: Option<&'a str>,
    pub successor_expires_at: UnixSeconds,
    /// A used token presented again within this many seconds counts as a retry, not a theft.
    pub grace_secs: u32,
}

/// What a refresh came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RotationOutcome {
    /// The successor is stored; here is the user and the session it belongs to.
    Rotated { user: User, session_id: String },
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

/// Signs access tokens with the current signing key. `sign` MUST return the raw 64-byte
/// ECDSA P-256 signature (r || s) over SHA-256 of `signing_input`.
pub trait TokenSigner {
    fn kid(&self) -> &str;
    fn sign(&self, signing_input: &[u8]) -> impl Future<Output = Result<Vec<u8>, String>>;
}
