//! The account store as the worker lends it: one Postgres connection through Hyperdrive for the
//! length of a piece of work, closed before the work's answer is returned, bounded in time. A use
//! case borrows it (`AccountLender::lend`) once the request needs the accounts, and its calls
//! go straight to the Postgres store on that connection.

use crate::config::Config;
use crate::postgres;
use auth_adapters::pg::PgAccountStore;
use auth_core::domain::regions::RegionId;
use auth_core::ports::{AccountLender, BackendError};
use std::rc::Rc;
use std::time::Duration;
use worker::Env;

/// Connect, run, close: the bound for one borrowed connection's work, connecting included. A database that
/// does not answer makes the request a 503 within this, as a stopped one does at once.
const CALL_LIMIT: Duration = Duration::from_secs(2);

/// A region's account store, lent one connection at a time.
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

impl AccountLender for HyperdriveAccounts<'_> {
    type Store<'c> = PgAccountStore<'c>;

    /// Runs `work` against the Postgres store on one connection of its own, within the call
    /// limit. A connection that cannot be made (or work past the limit) is the backend being
    /// unavailable.
    async fn lend<T, E: From<BackendError>>(
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
