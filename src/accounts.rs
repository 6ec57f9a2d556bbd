//! The account store as the worker uses it: one Postgres connection through Hyperdrive around
//! each call, closed before the call returns.

use crate::config::Config;
use crate::postgres;
use auth_adapters::pg::PgAccountStore;
use auth_core::ports::{
    AccountStore, AdminOutcome, AdminRequest, BackendError, LogoutScope, NewLogin, RevokeOutcome,
    Rotation, RotationOutcome, SessionInfo, User,
};
use std::time::Duration;
use worker::Env;

/// Connect, run, close: the bound for one account call, connection included.
const CALL_LIMIT: Duration = Duration::from_secs(5);

pub struct HyperdriveAccounts<'a> {
    pub env: &'a Env,
    pub config: &'a Config,
}

impl AccountStore for HyperdriveAccounts<'_> {
    async fn login(&self, login: &NewLogin<'_>) -> Result<(User, bool), BackendError> {
        postgres::with_client(self.env, self.config, CALL_LIMIT, async |client| {
            PgAccountStore::new(client).login(login).await
        })
        .await
        .map_err(|e| BackendError::Unavailable(e.to_string()))?
    }

    async fn rotate(&self, rotation: &Rotation<'_>) -> Result<RotationOutcome, BackendError> {
        postgres::with_client(self.env, self.config, CALL_LIMIT, async |client| {
            PgAccountStore::new(client).rotate(rotation).await
        })
        .await
        .map_err(|e| BackendError::Unavailable(e.to_string()))?
    }

    async fn logout(
        &self,
        token_hash: &[u8; 32],
        scope: LogoutScope,
    ) -> Result<bool, BackendError> {
        postgres::with_client(self.env, self.config, CALL_LIMIT, async |client| {
            PgAccountStore::new(client).logout(token_hash, scope).await
        })
        .await
        .map_err(|e| BackendError::Unavailable(e.to_string()))?
    }

    async fn sessions(
        &self,
        user_id: &str,
        session_id: &str,
    ) -> Result<Option<Vec<SessionInfo>>, BackendError> {
        postgres::with_client(self.env, self.config, CALL_LIMIT, async |client| {
            PgAccountStore::new(client)
                .sessions(user_id, session_id)
                .await
        })
        .await
        .map_err(|e| BackendError::Unavailable(e.to_string()))?
    }

    async fn revoke_session(
        &self,
        user_id: &str,
        session_id: &str,
        target: &str,
    ) -> Result<RevokeOutcome, BackendError> {
        postgres::with_client(self.env, self.config, CALL_LIMIT, async |client| {
            PgAccountStore::new(client)
                .revoke_session(user_id, session_id, target)
                .await
        })
        .await
        .map_err(|e| BackendError::Unavailable(e.to_string()))?
    }

    async fn admin(
        &self,
        user_id: &str,
        session_id: &str,
        request: &AdminRequest<'_>,
    ) -> Result<AdminOutcome, BackendError> {
        postgres::with_client(self.env, self.config, CALL_LIMIT, async |client| {
            PgAccountStore::new(client)
                .admin(user_id, session_id, request)
                .await
        })
        .await
        .map_err(|e| BackendError::Unavailable(e.to_string()))?
    }

    async fn profile(&self, user_id: &str, session_id: &str) -> Result<Option<User>, BackendError> {
        postgres::with_client(self.env, self.config, CALL_LIMIT, async |client| {
            PgAccountStore::new(client)
                .profile(user_id, session_id)
                .await
        })
        .await
        .map_err(|e| BackendError::Unavailable(e.to_string()))?
    }
}
