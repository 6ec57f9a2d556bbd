//! Ports: the contracts the domain needs from the outside world.
//!
//! The worker runs on one thread per isolate, so these traits carry no `Send` bounds and are used
//! through static dispatch (generics), not trait objects.

mod accounts;
mod bot_check;
mod legacy_import;
mod lender;
mod lifecycle;
mod once;
mod otp_store;
mod passkeys;

/// The contract suites: one behaviour per port, run against the in-memory double and the real
/// adapter alike.
#[cfg(any(test, feature = "testing"))]
pub mod contract;

pub use crate::domain::account::User;
use crate::domain::delivery::Channel;
pub use accounts::*;
pub use bot_check::*;
pub use legacy_import::*;
pub use lender::*;
pub use lifecycle::*;
pub use once::*;
pub use otp_store::*;
pub use passkeys::*;

use crate::domain::phone::PhoneNumber;
use std::future::Future;

/// Seconds since the Unix epoch, as read by whoever owns the clock.
pub type UnixSeconds = i64;

/// The clock. Implementations MUST return the current wall-clock time in whole seconds since the
/// Unix epoch. The domain never reads the system clock itself, so tests can feed it any time.
pub trait Clock {
    fn now(&self) -> UnixSeconds;
}

/// A cryptographically secure random source. Implementations MUST fill `dest` with bytes from a
/// CSPRNG (WebCrypto `getRandomValues` in the worker, the OS generator natively) and MUST NOT fall
/// back to a weaker generator on failure: they return an error instead.
pub trait SecureRandom {
    fn fill(&self, dest: &mut [u8]) -> Result<(), RandomUnavailable>;
}

/// The secure random source failed; the request that needed it cannot continue safely.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("secure random source unavailable")]
pub struct RandomUnavailable;

/// A backend that `GET /ready` checks. Implementations MUST make one real round trip to the
/// backend (not report cached state) and MUST return within their own timeout, reporting a
/// timeout as an error rather than hanging.
pub trait BackendProbe {
    /// Stable name of the backend as shown to operators, e.g. `"postgres"`.
    fn name(&self) -> &'static str;
    /// One round trip. `Err` carries a short operator-facing reason without secrets.
    fn probe(&self) -> impl Future<Output = Result<(), String>>;
}

/// A backend call that did not complete. The reason is for operators' logs and carries no
/// secret; clients only ever see `SERVICE_UNAVAILABLE` or `INTERNAL`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BackendError {
    /// Down, unreachable or too slow: the client may retry later (503).
    #[error("backend unavailable: {0}")]
    Unavailable(String),
    /// The backend answered something that should not happen (500).
    #[error("backend failed: {0}")]
    Failed(String),
}

/// Why a code was not handed over (on any channel). The text is for operators' logs and MUST
/// NOT contain the code.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("sms provider failed: {0}")]
pub struct SmsError(pub String);

/// A code on its way to its user, or a notice with no code (the SMS a number an account left
/// is sent).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OutgoingCode<'a> {
    pub to: &'a PhoneNumber,
    pub channel: Channel,
    /// The message (SMS, WhatsApp), or the words of the call (voice).
    pub text: &'a str,
    /// The code the text carries; `None` for a notice.
    pub code: Option<&'a str>,
    /// For a voice call, the locale its words are in (`en-US`), for the speech engine.
    pub voice_locale: Option<&'a str>,
}

/// Hands a code to a provider on its channel. Implementations MUST return `Ok` only when the
/// provider accepted it.
pub trait CodeSender {
    fn send(&self, outgoing: &OutgoingCode<'_>) -> impl Future<Output = Result<(), SmsError>>;
}

/// Signs access tokens with the current signing key. `sign` MUST return the raw 64-byte
/// ECDSA P-256 signature (r || s) over SHA-256 of `signing_input`.
pub trait TokenSigner {
    fn kid(&self) -> &str;
    fn sign(&self, signing_input: &[u8]) -> impl Future<Output = Result<Vec<u8>, String>>;
}
