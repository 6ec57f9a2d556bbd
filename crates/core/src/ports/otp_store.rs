//! The OTP store: pending codes and the counters that limit them.

use super::BackendError;
use crate::phone::PhoneNumber;
use crate::session::SessionId;
use crate::settings::Settings;
use std::future::Future;

/// Which limit stopped a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Limit {
    /// A code was sent to this phone less than the resend cooldown ago.
    Cooldown,
    /// Too many codes sent to this phone in the send window.
    PhoneWindow,
    /// Too many codes sent to this phone today.
    PhoneDaily,
    /// Too many sends or logins from this client IP in its window.
    ClientIp,
    /// Too many consecutive failed logins: the phone is locked for a while.
    Locked,
}

/// The outcome of asking to store a new code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IssueOutcome {
    /// The code's MAC is stored (replacing any earlier code for the phone) and counted.
    Issued,
    /// A limit refused it; nothing was stored or counted.
    Limited { limit: Limit, retry_after_secs: u32 },
}

/// The outcome of one login attempt against the stored code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VerifyOutcome {
    /// The right code for this session: it is consumed and can never verify again.
    Verified,
    /// No code is pending for the phone (never sent, expired, consumed or burned).
    NotFound,
    /// Wrong code or another session's: counted.
    Mismatch { attempts_left: u32 },
    /// This wrong guess used the last attempt: the code is deleted.
    Burned,
    /// A limit refused the attempt before it was checked.
    Limited { limit: Limit, retry_after_secs: u32 },
}

/// A code for a phone and session, with who asks and under which limits: what `issue` stores
/// and what `verify` checks.
pub struct CodeRequest<'a> {
    pub phone: &'a PhoneNumber,
    pub session: &'a SessionId,
    /// HMAC of phone, session and code: the only form of the code that is stored.
    pub mac: &'a str,
    pub client_ip: &'a str,
    pub settings: &'a Settings,
}

/// A request to store a code.
pub type IssueRequest<'a> = CodeRequest<'a>;

/// A login attempt to check against the stored code.
pub type VerifyRequest<'a> = CodeRequest<'a>;

/// Pending codes and the counters that limit them. Implementations MUST make each call one
/// atomic step, and keep this contract (held by `testing::contract::otp_store` for the
/// in-memory store and the Upstash one alike):
/// - `issue` checks, in this order, the phone's lock, its resend cooldown, its send window, its
///   day, then the client address's sends; the first that refuses answers `Limited` with the
///   seconds until that counter expires (at least 1), and nothing is stored or counted.
///   Otherwise it counts one send in each of those windows, starts the cooldown, and stores the
///   code's MAC and session, replacing any earlier code (attempts and all), for the code's TTL.
/// - `verify` checks the phone's lock, then counts the attempt against the client address's
///   login window (refusing past it), then: no code is `NotFound`; the right MAC with the code's
///   session is `Verified` (the code is consumed and the phone's consecutive failures reset);
///   anything else is a wrong guess, counted against the code's attempts and the phone's
///   consecutive failures, which only a success resets (they outlive locks). From the
///   consecutive ceiling on, every failure burns the code and locks the phone, the first lock
///   for the lockout and each next one twice as long, up to a day (or the first lock when that
///   is longer); using the last attempt burns the code; otherwise `Mismatch` with the attempts
///   left.
/// - `withdraw` deletes the code and the cooldown only if the stored code has that MAC.
/// - Two concurrent `verify` calls with the right code MUST NOT both see `Verified`.
pub trait OtpStore {
    fn issue(
        &self,
        request: &IssueRequest<'_>,
    ) -> impl Future<Output = Result<IssueOutcome, BackendError>>;
    /// Deletes the phone's pending code if it is still the one with this MAC, and its resend
    /// cooldown: used when the SMS could not be sent, so no unusable code blocks a retry.
    fn withdraw(
        &self,
        phone: &PhoneNumber,
        mac: &str,
    ) -> impl Future<Output = Result<(), BackendError>>;
    fn verify(
        &self,
        request: &VerifyRequest<'_>,
    ) -> impl Future<Output = Result<VerifyOutcome, BackendError>>;
}
