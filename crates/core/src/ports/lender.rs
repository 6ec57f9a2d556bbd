//! How a use case reaches the account store: it borrows one for a piece of work. In the worker
//! a borrow is one database connection, opened when the work starts and closed when it ends,
//! so a use case decides what shares a connection, and a request that never reaches the
//! accounts (a wrong code) opens none. A store already connected (a native tool's, a test's
//! double) lends itself.

use super::{AccountStore, BackendError, PasskeyStore};
use std::future::Future;

/// Lends an account store for the length of `work`. Implementations MUST give `work` a store
/// that stays usable until `work` returns and is released after, on every path; a store that
/// cannot be had (a connection refused or too slow) is `BackendError::Unavailable`, and `work`
/// does not run.
pub trait AccountLender {
    type Store<'c>: AccountStore + PasskeyStore;

    fn lend<T, E: From<BackendError>>(
        &self,
        work: impl AsyncFnOnce(&Self::Store<'_>) -> Result<T, E>,
    ) -> impl Future<Output = Result<T, E>>;
}

/// A connected store lends itself: its calls already share its connection.
impl<S: AccountStore + PasskeyStore> AccountLender for S {
    type Store<'c> = S;

    async fn lend<T, E: From<BackendError>>(
        &self,
        work: impl AsyncFnOnce(&S) -> Result<T, E>,
    ) -> Result<T, E> {
        work(self).await
    }
}
