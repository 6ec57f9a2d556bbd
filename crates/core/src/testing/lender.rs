//! A lender that counts its borrows, for the tests that hold a use case to one connection per
//! request (the worker's lender opens one per borrow).

use crate::ports::{AccountLender, AccountStore, BackendError, PasskeyStore};
use std::cell::Cell;

pub struct CountingLender<'s, S> {
    store: &'s S,
    lends: Cell<u32>,
}

impl<'s, S> CountingLender<'s, S> {
    pub fn new(store: &'s S) -> Self {
        Self {
            store,
            lends: Cell::new(0),
        }
    }

    /// How many times a store was borrowed: connections, in the worker.
    pub fn lends(&self) -> u32 {
        self.lends.get()
    }
}

impl<S: AccountStore + PasskeyStore> AccountLender for CountingLender<'_, S> {
    type Store<'c> = S;

    async fn lend<T, E: From<BackendError>>(
        &self,
        work: impl AsyncFnOnce(&S) -> Result<T, E>,
    ) -> Result<T, E> {
        self.lends.set(self.lends.get() + 1);
        work(self.store).await
    }
}
