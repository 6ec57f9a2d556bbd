//! A once-store in memory: the keys taken, each with the time it is forgotten; and a switch that
//! makes it unreachable.

use crate::ports::{BackendError, Clock, OnceStore, UnixSeconds};
use std::cell::{Cell, RefCell};
use std::collections::HashMap;

pub struct InMemoryOnce<'c, C: Clock> {
    clock: &'c C,
    taken: RefCell<HashMap<String, UnixSeconds>>,
    down: Cell<bool>,
}

impl<'c, C: Clock> InMemoryOnce<'c, C> {
    pub fn new(clock: &'c C) -> Self {
        Self {
            clock,
            taken: RefCell::default(),
            down: Cell::new(false),
        }
    }

    /// From now on the store cannot be asked.
    pub fn go_down(&self) {
        self.down.set(true);
    }
}

impl<C: Clock> OnceStore for InMemoryOnce<'_, C> {
    async fn claim(&self, key: &str, ttl_secs: u32) -> Result<bool, BackendError> {
        if self.down.get() {
            return Err(BackendError::Unavailable("once-store down".into()));
        }
        let now = self.clock.now();
        let mut taken = self.taken.borrow_mut();
        if taken.get(key).is_some_and(|until| *until > now) {
            return Ok(false);
        }
        taken.insert(key.to_owned(), now + i64::from(ttl_secs));
        Ok(true)
    }
}
