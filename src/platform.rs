//! The clock and the random source of the Workers runtime, as the core's ports.

use auth_core::ports::{Clock, RandomUnavailable, SecureRandom, UnixSeconds};

/// `Date.now()`. On Workers the clock only advances across I/O, which is all the precision
/// token lifetimes and TTLs need.
pub struct WorkerClock;

impl Clock for WorkerClock {
    fn now(&self) -> UnixSeconds {
        (js_sys::Date::now() / 1000.0) as UnixSeconds
    }
}

/// `crypto.getRandomValues`, through getrandom's `js` backend.
pub struct WebCryptoRandom;

impl SecureRandom for WebCryptoRandom {
    fn fill(&self, dest: &mut [u8]) -> Result<(), RandomUnavailable> {
        getrandom::getrandom(dest).map_err(|_| RandomUnavailable)
    }
}
