//! The account store as the worker uses it: one Postgres connection through Hyperdrive around
//! each call, closed before the call returns; or around a whole use case that makes several
//! calls ([`HyperdriveAccounts::on_one_connection`]).

use crate::config::Config;
use crate::postgres;
use auth_adapters::pg::PgAccountStore;
use auth_core::account::{Scope, User, UserId};
use auth_core::admin::UserQuery;
use auth_core::phone::PhoneNumber;
use auth_core::ports::{
    AccountStore, BackendError, BlockChange, DeleteOutcome, Deletion, LoginAccount, LogoutOutcome,
    LogoutScope, NewLogin, PhoneChange, PhoneChangeOutcome, RevokeOutcome, Rotation,
    RotationOutcome, SessionInfo, UserPage,
};
use auth_core::regions::RegionId;
use auth_core::secrets::PresentedToken;
use auth_core::session::SessionId;
use std::rc::Rc;
use std::time::Duration;
use worker::Env;

/// Connect, run, close: the bound for one account call, connection included. A database that
/// does not answer makes the request a 503 within this, as a stopped one does at once.
const CALL_LIMIT: Duration = Duration::from_secs(2);

pub struct HyperdriveAccounts<'a> {
    pub env: &'a Env,
    pub config: Rc<Config>,
    /// The data region whose database this store reaches.
    pub region: RegionId,
    /// `SESSION_IDLE_SECONDS`: sessions unused this long are dead (0: off).
    pub idle_secs: u32,
    /// The request's client, for the audit trail.
    pub client_ip: Option<String>,
    pub user_agent: Option<String>,
}

impl HyperdriveAccounts<'_> {
    /// Runs `work` against the Postgres store on one connection of its own, within the call
    /// limit. A connection that cannot be made (or work past the limit) is the backend being
    /// unavailable.
    pub async fn on_one_connection<T, E: From<BackendError>>(
        &self,
        work: impl AsyncFnOnce(&PgAccountStore<'_>) -> Result<T, E>,
    ) -> Result<T, E> {
        postgres::with_client(
            self.env,
            &self.config,
            self.region,
            CALL_LIMIT,
            async |client| {
                let store = PgAccountStore::new(client)
                    .with_idle_timeout(self.idle_secs)
                    .for_client(self.client_ip.as_deref(), self.user_agent.as_deref());
                work(&store).await
            },
        )
        .await
        .map_err(|e| E::from(BackendError::Unavailable(e.to_string())))?
    }
}

impl AccountStore for HyperdriveAccounts<'_> {
    async fn login(&self, login: &NewLogin<'_>) -> Result<LoginAccount, BackendError> {
        self.on_one_connection(async |store| store.login(login).await)
            .await
    }

    async fn rotate(&self, rotation: &Rotation<'_>) -> Result<RotationOutcome, BackendError> {
        self.on_one_connection(async |store| store.rotate(rotation).await)
            .await
    }

    async fn logout(
        &self,
        token: &PresentedToken,
        scope: LogoutScope,
    ) -> Result<LogoutOutcome, BackendError> {
        self.on_one_connection(async |store| store.logout(token, scope).await)
            .await
    }

    async fn sessions(
        &self,
        user: &UserId,
        session: &SessionId,
    ) -> Result<Option<Vec<SessionInfo>>, BackendError> {
        self.on_one_connection(async |store| store.sessions(user, session).await)
            .await
    }

    async fn revoke_session(
        &self,
        user: &UserId,
        session: &SessionId,
        target: &SessionId,
    ) -> Result<RevokeOutcome, BackendError> {
        self.on_one_connection(async |store| store.revoke_session(user, session, target).await)
            .await
    }

    async fn profile(
        &self,
        user: &UserId,
        session: &SessionId,
    ) -> Result<Option<User>, BackendError> {
        self.on_one_connection(async |store| store.profile(user, session).await)
            .await
    }

    async fn set_scope_by(
        &self,
        user: &UserId,
        scope: &Scope,
        admin: &UserId,
    ) -> Result<Option<User>, BackendError> {
        self.on_one_connection(async |store| store.set_scope_by(user, scope, admin).await)
            .await
    }

    async fn user_sessions(
        &self,
        user: &UserId,
        admin: &UserId,
    ) -> Result<Vec<SessionInfo>, BackendError> {
        self.on_one_connection(async |store| store.user_sessions(user, admin).await)
            .await
    }

    async fn change_phone(
        &self,
        change: &PhoneChange<'_>,
    ) -> Result<PhoneChangeOutcome, BackendError> {
        self.on_one_connection(async |store| store.change_phone(change).await)
            .await
    }

    async fn set_blocked_by(
        &self,
        user: &UserId,
        blocked: bool,
        admin: &UserId,
    ) -> Result<Option<BlockChange>, BackendError> {
        self.on_one_connection(async |store| store.set_blocked_by(user, blocked, admin).await)
            .await
    }

    async fn delete_account(
        &self,
        user: &UserId,
        by: Deletion<'_>,
    ) -> Result<DeleteOutcome, BackendError> {
        self.on_one_connection(async |store| store.delete_account(user, by).await)
            .await
    }

    async fn legacy_token_owner(&self, hash: &[u8; 32]) -> Result<Option<UserId>, BackendError> {
        self.on_one_connection(async |store| store.legacy_token_owner(hash).await)
            .await
    }

    async fn phone_owner(&self, phone: &PhoneNumber) -> Result<Option<UserId>, BackendError> {
        self.on_one_connection(async |store| store.phone_owner(phone).await)
            .await
    }

    async fn find_user(&self, id: &UserId) -> Result<Option<User>, BackendError> {
        self.on_one_connection(async |store| store.find_user(id).await)
            .await
    }

    async fn list_users(&self, query: &UserQuery) -> Result<UserPage, BackendError> {
        self.on_one_connection(async |store| store.list_users(query).await)
            .await
    }
}
