//! The account store on Postgres: each call is one statement of the catalogue (a login, two),
//! and each routes to one Citus shard (`catalogue.rs`, proven by `citus_routing.rs`). One file
//! per flow: `login.rs` (the phone's claim and the account write, the operator's scope change),
//! `tokens.rs` (rotation and logout), `bearer.rs` (what a bearer of a live session may do),
//! `legacy.rs` (the Go service's imported tokens, and the import's batches), `lifecycle.rs` (a
//! number change, a block, a deletion), `passkeys.rs` (a passkey's registration, sign-in, list
//! and removal).

mod bearer;
mod legacy;
mod lifecycle;
mod login;
mod passkeys;
mod tokens;

use super::PgError;
use auth_core::domain::account::{Scope, User, UserId};
use auth_core::domain::admin::UserQuery;
use auth_core::domain::phone::PhoneNumber;
use auth_core::domain::secrets::PresentedToken;
use auth_core::domain::session::SessionId;
use auth_core::ports::{
    AccountStore, BackendError, BlockChange, DeleteOutcome, Deletion, LoginAccount, LogoutOutcome,
    LogoutScope, NewLogin, PhoneChange, PhoneChangeOutcome, RevokeOutcome, Rotation,
    RotationOutcome, SessionInfo, UserPage,
};
use tokio_postgres::{Client, Row};

pub struct PgAccountStore<'c> {
    client: &'c Client,
    /// Sessions unused for longer than this are dead (0: no idle expiry).
    idle_secs: f64,
    /// The client of the request, for the audit rows the statements write.
    client_ip: Option<String>,
    user_agent: Option<String>,
}

impl<'c> PgAccountStore<'c> {
    pub fn new(client: &'c Client) -> Self {
        Self {
            client,
            idle_secs: 0.0,
            client_ip: None,
            user_agent: None,
        }
    }

    /// Names the request's client (address and user agent) in the audit trail.
    pub fn for_client(mut self, ip: Option<&str>, user_agent: Option<&str>) -> Self {
        self.client_ip = ip.map(str::to_owned);
        self.user_agent = user_agent.map(str::to_owned);
        self
    }

    /// Ends sessions left unused for `secs` seconds (0 turns idle expiry off).
    pub fn with_idle_timeout(mut self, secs: u32) -> Self {
        self.idle_secs = f64::from(secs);
        self
    }
}

/// The user in the five columns from `at`: id, phone, scope, created_at, updated_at (every
/// statement that returns a user returns it in this shape). A row that does not hold a valid
/// id or scope is a server-side error, never a user.
fn user_at(row: &Row, at: usize) -> Result<User, PgError> {
    let id: String = row.get(at);
    let scope: String = row.get(at + 2);
    Ok(User {
        id: UserId::parse(&id).map_err(|e| malformed(&e))?,
        phone: row.get(at + 1),
        scope: Scope::parse(&scope).map_err(|e| malformed(&e))?,
        created_at: row.get(at + 3),
        updated_at: row.get(at + 4),
    })
}

/// A user id read back from the database.
fn user_id_at(row: &Row, at: usize) -> Result<UserId, PgError> {
    let id: String = row.get(at);
    UserId::parse(&id).map_err(|e| malformed(&e))
}

/// A session id read back from the database.
fn session_at(row: &Row, at: usize) -> Result<SessionId, PgError> {
    let id: String = row.get(at);
    SessionId::parse(&id).map_err(|e| malformed(&e))
}

fn malformed(why: &dyn std::fmt::Display) -> PgError {
    PgError::Server {
        code: "XX000".into(),
        message: format!("a stored value is malformed: {why}"),
    }
}

pub(crate) fn backend(err: PgError) -> BackendError {
    match err {
        PgError::Unavailable(why) => BackendError::Unavailable(why),
        other => BackendError::Failed(other.to_string()),
    }
}

impl AccountStore for PgAccountStore<'_> {
    async fn login(&self, login: &NewLogin<'_>) -> Result<LoginAccount, BackendError> {
        self.log_in(login).await.map_err(backend)
    }

    async fn rotate(&self, rotation: &Rotation<'_>) -> Result<RotationOutcome, BackendError> {
        self.rotate_token(rotation).await.map_err(backend)
    }

    async fn logout(
        &self,
        token: &PresentedToken,
        scope: LogoutScope,
    ) -> Result<LogoutOutcome, BackendError> {
        self.end_sessions(token, scope).await.map_err(backend)
    }

    async fn user_of_session(
        &self,
        user: &UserId,
        session: &SessionId,
    ) -> Result<Option<User>, BackendError> {
        self.live_user(user, session).await.map_err(backend)
    }

    async fn sessions(
        &self,
        user: &UserId,
        session: &SessionId,
    ) -> Result<Option<Vec<SessionInfo>>, BackendError> {
        self.live_sessions(user, session).await.map_err(backend)
    }

    async fn revoke_session(
        &self,
        user: &UserId,
        session: &SessionId,
        target: &SessionId,
    ) -> Result<RevokeOutcome, BackendError> {
        self.revoke(user, session, target).await.map_err(backend)
    }

    async fn legacy_token_owner(&self, hash: &[u8; 32]) -> Result<Option<UserId>, BackendError> {
        self.legacy_owner(hash).await.map_err(backend)
    }

    async fn phone_owner(&self, phone: &PhoneNumber) -> Result<Option<UserId>, BackendError> {
        self.owner_of(phone.as_e164()).await.map_err(backend)
    }

    async fn set_scope_by(
        &self,
        user: &UserId,
        scope: &Scope,
        admin: &UserId,
    ) -> Result<Option<User>, BackendError> {
        self.admin_set_scope(user, scope, admin)
            .await
            .map_err(backend)
    }

    async fn user_sessions(
        &self,
        user: &UserId,
        admin: &UserId,
    ) -> Result<Vec<SessionInfo>, BackendError> {
        self.sessions_of(user, admin).await.map_err(backend)
    }

    async fn find_user(&self, id: &UserId) -> Result<Option<User>, BackendError> {
        self.user_by_id(id).await.map_err(backend)
    }

    async fn change_phone(
        &self,
        change: &PhoneChange<'_>,
    ) -> Result<PhoneChangeOutcome, BackendError> {
        self.change_number(change).await.map_err(backend)
    }

    async fn set_blocked_by(
        &self,
        user: &UserId,
        blocked: bool,
        admin: &UserId,
    ) -> Result<Option<BlockChange>, BackendError> {
        self.set_blocked(user, blocked, admin)
            .await
            .map_err(backend)
    }

    async fn delete_account(
        &self,
        user: &UserId,
        by: Deletion<'_>,
    ) -> Result<DeleteOutcome, BackendError> {
        self.delete(user, by).await.map_err(backend)
    }

    async fn list_users(&self, query: &UserQuery) -> Result<UserPage, BackendError> {
        self.page_of_users(query).await.map_err(backend)
    }
}
