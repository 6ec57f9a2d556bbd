//! The account store on Postgres: each call is one statement of the catalogue (a login, two),
//! and each routes to one Citus shard (`catalogue.rs`, proven by `citus_routing.rs`). One file
//! per flow: `login.rs` (the phone's claim and the account write, the operator's scope change),
//! `tokens.rs` (rotation and logout), `bearer.rs` (what a bearer of a live session may do).

mod bearer;
mod login;
mod tokens;

use super::PgError;
use auth_core::ports::{
    AccountStore, AdminOutcome, AdminRequest, BackendError, LogoutScope, NewLogin, RevokeOutcome,
    Rotation, RotationOutcome, SessionInfo, User,
};
use auth_core::secrets::PresentedToken;
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
/// statement that returns a user returns it in this shape).
fn user_at(row: &Row, at: usize) -> User {
    User {
        id: row.get(at),
        phone: row.get(at + 1),
        scope: row.get(at + 2),
        created_at: row.get(at + 3),
        updated_at: row.get(at + 4),
    }
}

/// A canonical hyphenated UUID: anything else would fail the `::uuid` cast as a server error
/// instead of simply matching nothing.
fn is_uuid(s: &str) -> bool {
    s.len() == 36
        && s.char_indices().all(|(i, c)| {
            if matches!(i, 8 | 13 | 18 | 23) {
                c == '-'
            } else {
                c.is_ascii_hexdigit()
            }
        })
}

pub(crate) fn backend(err: PgError) -> BackendError {
    match err {
        PgError::Unavailable(why) => BackendError::Unavailable(why),
        other => BackendError::Failed(other.to_string()),
    }
}

impl AccountStore for PgAccountStore<'_> {
    async fn login(&self, login: &NewLogin<'_>) -> Result<(User, bool), BackendError> {
        self.log_in(login).await.map_err(backend)
    }

    async fn rotate(&self, rotation: &Rotation<'_>) -> Result<RotationOutcome, BackendError> {
        self.rotate_token(rotation).await.map_err(backend)
    }

    async fn logout(
        &self,
        token: &PresentedToken,
        scope: LogoutScope,
    ) -> Result<bool, BackendError> {
        self.end_sessions(token, scope).await.map_err(backend)
    }

    async fn profile(&self, user_id: &str, session_id: &str) -> Result<Option<User>, BackendError> {
        self.live_user(user_id, session_id).await.map_err(backend)
    }

    async fn sessions(
        &self,
        user_id: &str,
        session_id: &str,
    ) -> Result<Option<Vec<SessionInfo>>, BackendError> {
        self.live_sessions(user_id, session_id)
            .await
            .map_err(backend)
    }

    async fn revoke_session(
        &self,
        user_id: &str,
        session_id: &str,
        target: &str,
    ) -> Result<RevokeOutcome, BackendError> {
        self.revoke(user_id, session_id, target)
            .await
            .map_err(backend)
    }

    async fn admin(
        &self,
        user_id: &str,
        session_id: &str,
        request: &AdminRequest<'_>,
    ) -> Result<AdminOutcome, BackendError> {
        self.for_admin(user_id, session_id, request)
            .await
            .map_err(backend)
    }
}
