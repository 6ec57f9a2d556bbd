//! The OTP store: pending codes and the counters that limit them.

use super::{BackendError, UnixSeconds};
use crate::phone::PhoneNumber;
use crate::quota::Quota;
use crate::risk::{Action, RiskReason};
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
    /// A risk counter (`crate::risk::counters`) asks for a bot check first (`Challenge`) or
    /// refuses (`Refuse`); nothing was stored or counted, but a breaker this call tripped
    /// stays open.
    Risky(CounterHit),
}

/// A store's answer, with the quota of the per-caller limit closest to refusing when the call
/// counted against one (the spent one when it refused), for the RateLimit header fields.
#[derive(Debug, Clone, Copy)]
pub struct Counted<T> {
    pub outcome: T,
    pub quota: Option<Quota>,
}

/// A counted answer equals the bare outcome it carries: tests compare outcomes, and the quota's
/// reset moves with the clock.
impl<T: PartialEq> PartialEq<T> for Counted<T> {
    fn eq(&self, other: &T) -> bool {
        self.outcome == *other
    }
}

/// What the risk counters said of a send they stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CounterHit {
    pub action: Action,
    /// The signal that decided it (the strictest; the calling code's before the network's).
    pub reason: RiskReason,
    pub retry_after_secs: u32,
    /// Whether this call tripped the calling code's breaker, and the network's.
    pub tripped_calling_code: bool,
    pub tripped_asn: bool,
}

/// What the risk counters need of the request beyond the phone and address.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Caller {
    /// The caller's network (the edge's ASN), when the edge names one.
    pub asn: Option<u32>,
    /// Whether the request passed a bot check: the counters then count it and ask nothing.
    pub human: bool,
    /// The send's time, which finds the counters' bucket (`issue` only: a login counts in the
    /// records as they stand, in the bucket of the latest send, near its own code's).
    pub now: UnixSeconds,
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
    pub caller: Caller,
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
///   Then, unless the caller passed a bot check, the risk counters (`risk::counters`, with
///   each action as `CaptchaMode::counter_action` makes it): the calling code's breaker, the
///   network's breaker, the network's volume; the strictest that fires answers `Risky`
///   (a `Refuse` at once, a `Challenge` when the caller is not `human`), and nothing is
///   stored or counted, though a breaker it tripped stays tripped. An action of `Allow`
///   leaves its signal unchecked.
///   Otherwise it counts one send in each of those windows (and in the calling code's and the
///   network's risk records), starts the cooldown, and stores the
///   code's MAC and session, replacing any earlier code (attempts and all), for the code's TTL.
/// - `verify` checks the phone's lock, then counts the attempt against the client address's
///   login window (refusing past it), then: no code, or a code sent to another session, is
///   `NotFound` and touches neither the code nor the phone's failures, only the phone's budget
///   of such logins (refusing past it with `PhoneGuesses`), so a stranger can neither burn a
///   victim's code nor lock the phone, nor tell a pending code from none; the right MAC with
///   the code's session is `Verified` (the code is consumed, the phone's consecutive
///   failures reset, and one login counted in the calling code's and the caller's network's
///   risk records); a wrong MAC with the code's session is a wrong guess, counted against
///   the code's attempts and the phone's consecutive failures, which only a success resets
///   (they outlive locks). From the
///   consecutive ceiling on, every failure burns the code and locks the phone, the first lock
///   for the lockout and each next one twice as long, up to a day (or the first lock when that
///   is longer); using the last attempt burns the code; otherwise `Mismatch` with the attempts
///   left.
/// - Each answer carries the quota ([`Counted`]) of the per-caller limit closest to refusing:
///   for `issue`, the fewest left of the phone's window, its day and the address's sends (the
///   first of them on a tie), after counting; for a refusal by one of those or the cooldown, that
///   one, spent; for `verify`, the address's logins once it was counted. None otherwise.
/// - `withdraw` deletes the code and the cooldown only if the stored code has that MAC, and
///   then takes its send back out of the calling code's and the caller's network's risk
///   records: a code no SMS carried is not a send the breakers judge (a provider's outage
///   must not trip them).
/// - Two concurrent `verify` calls with the right code MUST NOT both see `Verified`.
pub trait OtpStore {
    fn issue(
        &self,
        request: &IssueRequest<'_>,
    ) -> impl Future<Output = Result<Counted<IssueOutcome>, BackendError>>;
    /// Deletes the phone's pending code if it is still the one with this MAC, and its resend
    /// cooldown: used when the SMS could not be sent, so no unusable code blocks a retry.
    fn withdraw(
        &self,
        phone: &PhoneNumber,
        mac: &str,
        caller: &Caller,
    ) -> impl Future<Output = Result<(), BackendError>>;
    fn verify(
        &self,
        request: &VerifyRequest<'_>,
    ) -> impl Future<Output = Result<Counted<VerifyOutcome>, BackendError>>;
}
