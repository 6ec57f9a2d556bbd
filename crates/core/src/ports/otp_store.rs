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
    /// Too many sends or logins from this client address (an IPv6 prefix) in its window.
    ClientIp,
    /// This country calling code's send budget for the window is spent.
    CountryBudget,
    /// The send budget of the whole service for the window is spent.
    GlobalBudget,
    /// Too many consecutive failed logins: the phone is locked for a while.
    Locked,
    /// Too many logins for this phone without its code's session (a flood of strangers).
    PhoneGuesses,
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
    /// No code is pending for this phone and session: none was sent, it expired, was consumed
    /// or burned, or it was sent to another session. Nothing about the code was counted.
    NotFound,
    /// The code's session with a wrong code: counted.
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
    /// The client's limit bucket (`client_address::bucket`): an IPv4 address or an IPv6 prefix.
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
///   day, then the client address's sends, the phone's country's sends (its
///   `Settings::country_budget`), then the service's sends; the first that refuses answers `Limited` with the
///   seconds until that counter expires (at least 1), and nothing is stored or counted.
///   Otherwise it counts one send in each of those windows, starts the cooldown, and stores the
///   code's MAC and session, replacing any earlier code (attempts and all), for the code's TTL.
/// - `verify` checks the phone's lock, then counts the attempt against the client address's
///   login window (refusing past it), then: no code, or a code sent to another session, is
///   `NotFound` and touches neither the code nor the phone's failures, only the phone's budget
///   of such logins (refusing past it with `PhoneGuesses`), so a stranger can neither burn a
///   victim's code nor lock the phone, nor tell a pending code from none; the right MAC with
///   the code's session is `Verified` (the code is consumed and the phone's consecutive
///   failures reset); a wrong MAC with the code's session is a wrong guess, counted against
///   the code's attempts and the phone's consecutive failures, which only a success resets
///   (they outlive locks). From the
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
