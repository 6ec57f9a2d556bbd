//! The account store as the worker uses it: one Postgres connection through Hyperdrive around
//! each call, closed before the call returns.

use crate::config::Config;
use crate::postgres;
use auth_adapters::pg::PgAccountStore;
use auth_core::ports::{
    AccountStore, AdminOutcome, AdminRequest, BackendError, LogoutScope, NewLogin, RevokeOutcome,
    Rotation, RotationOutcome, SessionInfo, User,
};
use auth_core::secrets::PresentedToken;
use std::rc::Rc;
use std::time::Duration;
use worker::Env;

/// Connect, run, close: the bound for one account call, connection included. A database that
/// does not answer makes the request a 503 within this, as a stopped one does at once.
const CALL_LIMIT: Duration = Duration::from_secs(2);

pub struct HyperdriveAccounts<'a> {
    pub env: &'a Env,
    pub config: Rc<Config>,
    /// `SESSION_IDLE_SECONDS`: sessions unused this long are dead (0: off).
    pub idle_secs: u32,
    /// The request's client, for the audit trail.
    pub client_ip: Option<String>,
    pub user_agent: Option<String>,
}

impl HyperdriveAccounts<'_> {
    /// Runs one call of the Postgres store on a connection of its own. A connection that cannot
    /// be made (or a call past the limit) is the backend being unavailable.
    async fn with_store<T>(
        &self,
        call: impl AsyncFnOnce(&PgAccountStore<'_>) -> Result<T, BackendError>,
    ) -> Result<T, BackendError> {
        postgres::with_client(self.env, &self.config, CALL_LIMIT, async |client| {
            let store = PgAccountStore::new(client)
                .with_idle_timeout(self.idle_secs)
                .for_client(self.client_ip.as_deref(), self.user_agent.as_deref());
            call(&store).await
        })
        .await
        .map_err(|e| BackendError::Unavailable(e.to_string()))?
    }
}

impl AccountStore for HyperdriveAccounts<'_> {
    async fn login(&self, login: &NewLogin<'_>) -> Result<(User, bool), BackendError> {
        self.with_store(async |store| store.login(login).await)
            .await
    }

    async fn rotate(&self, rotation: &Rotation<'_>) -> Result<RotationOutcome, BackendError> {
        self.with_store(async |store| store.rotate(rotation).await)
            .await
    }

    async fn logout(
        &self,
        token: &PresentedToken,
        scope: LogoutScope,
    ) -> Result<bool, BackendError> {
        self.with_store(async |store| store.logout(token, scope).await)
            .await
    }

    async fn sessions(
        &self,
        user_id: &str,
        session_id: &str,
    ) -> Result<Option<Vec<SessionInfo>>, BackendError> {
        self.with_store(async |store| store.sessions(user_id, session_id).await)
            .await
    }

    async fn revoke_session(
        &self,
        user_id: &str,
        session_id: &str,
        target: &str,
    ) -> Result<RevokeOutcome, BackendError> {
        self.with_store(async |store| store.revoke_session(user_id, session_id, target).await)
            .await
    }

    async fn admin(
        &self,
        user_id: &str,
        session_id: &str,
        request: &AdminRequest<'_>,
    ) -> Result<AdminOutcome, BackendError> {
        self.with_store(async |store| store.admin(user_id, session_id, request).await)
            .await
    }

    async fn profile(&self, user_id: &str, session_id: &str) -> Result<Option<User>, BackendError> {
        self.with_store(async |store| store.profile(user_id, session_id).await)
            .await
    }
}
