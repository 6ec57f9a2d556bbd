//! The OTP store: pending codes and the counters that limit them.

use super::{BackendError, UnixSeconds};
use crate::config::settings::Settings;
use crate::domain::account::UserId;
use crate::domain::phone::PhoneNumber;
use crate::domain::quota::Quota;
pub use crate::domain::risk::judge::{CounterHit, CounterSignals};
use crate::domain::session::SessionId;
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
    /// The risk counters' signals stopped it (`crate::domain::risk::judge`): a bot check first
    /// (`Challenge`) or a refusal (`Refuse`); nothing was stored or counted, but a breaker this
    /// call tripped stays open.
    Risky(CounterHit),
}

/// A store's answer, with the facts the edges report beside it: the caller's address quota
/// (for the RateLimit header fields), and on a send that went ahead the risk counters'
/// signals that fired without stopping it (for the log and the metrics).
#[derive(Debug, Clone)]
pub struct Counted<T> {
    pub outcome: T,
    pub quota: Option<Quota>,
    pub signals: CounterSignals,
    /// On a verified code, the account the number's last login reached, as
    /// [`OtpStore::remember_account`] left it: a hint that saves a returning number's login
    /// the phone's claim, which the account store checks and never trusts (a stale one costs
    /// the claim it would have saved). `None` otherwise.
    pub account: Option<UserId>,
}

impl<T> Counted<T> {
    /// An answer with its quota and no signals.
    pub fn new(outcome: T, quota: Option<Quota>) -> Self {
        Self {
            outcome,
            quota,
            signals: CounterSignals::default(),
            account: None,
        }
    }
}

/// A counted answer equals the bare outcome it carries: tests compare outcomes, and the quota's
/// reset moves with the clock.
impl<T: PartialEq> PartialEq<T> for Counted<T> {
    fn eq(&self, other: &T) -> bool {
        self.outcome == *other
    }
}

/// What the risk counters need of the request beyond the phone and address.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Caller {
    /// The caller's network (the edge's ASN), when the edge names one.
    pub asn: Option<u32>,
    /// Whether the request passed a bot check: the counters then count it and ask nothing.
    pub human: bool,
    /// The request's time, which finds the counters' buckets.
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
/// atomic step, and keep this contract (held by `ports::contract::otp_store` for the
/// in-memory store and the Upstash one alike):
/// - `issue` checks, in this order, the phone's lock, its resend cooldown, its send window, its
///   day, then the client address's sends, the phone's country's sends (its
///   `Settings::country_budget`), then the service's sends; the first that refuses answers
///   `Limited` with the seconds until that counter expires (at least 1), and nothing is stored
///   or counted. The two budgets do not refuse a returning number (one verified within
///   `RISK_RETURNING_DAYS`).
///   Then the risk records (`risk::counters`): the calling code's and, when the caller's
///   network is known, the network's, each saying whether its breaker is open (tripping it
///   when its sends stopped converting) and the network's whether its volume budget is spent;
///   `risk::judge::judge` decides with whether the number is returning and the caller
///   `human`. A stop answers `Risky`, and nothing is stored or counted, though a breaker it
///   tripped stays tripped.
///   Otherwise it counts one send in each of those windows and in the records (each source
///   adding at most `RISK_SOURCE_CAP` to a record per window: the calling code's record counts
///   by the caller's network, or by its address when no network is known; the network's by
///   address), starts the cooldown, stores the code's MAC and session, replacing any earlier
///   code (attempts and all), for the code's TTL, and answers `Issued` with the signals that
///   fired ([`Counted::signals`]).
/// - `verify` checks the phone's lock, then counts the attempt against the client address's
///   login window (refusing past it), then: no code, or a code sent to another session, is
///   `NotFound` and touches neither the code nor the phone's failures, only the phone's budget
///   of such logins (refusing past it with `PhoneGuesses`), so a stranger can neither burn a
///   victim's code nor lock the phone, nor tell a pending code from none; the right MAC with
///   the code's session is `Verified` (the code is consumed, the phone's consecutive
///   failures reset, the number marked returning for `RISK_RETURNING_DAYS`, and one login
///   counted in the calling code's and the caller's network's risk records, by source as a
///   send is); a wrong MAC with the code's session is a wrong guess, counted against
///   the code's attempts and the phone's consecutive failures, which only a success resets
///   (they outlive locks). From the
///   consecutive ceiling on, every failure burns the code and locks the phone, the first lock
///   for the lockout and each next one twice as long, up to a day (or the first lock when that
///   is longer); using the last attempt burns the code; otherwise `Mismatch` with the attempts
///   left.
/// - Each answer carries the caller's own quota ([`Counted`]), never the number's: for
///   `issue`, the address's sends as they stand after the answer (spent when the address
///   refused; the phone's limits and the number's activity are not the caller's to see); for
///   `verify`, the address's logins once it was counted. None otherwise.
/// - `withdraw` deletes the code and the cooldown only if the stored code has the request's
///   MAC, and then takes its send back out of the calling code's and the caller's network's
///   risk records: a code no SMS carried is not a send the breakers judge (a provider's
///   outage must not trip them).
/// - `remember_account` keeps the account a login of the number reached for
///   [`ACCOUNT_HINT_SECS`], replacing the one before; a `Verified` answer carries the one kept
///   then ([`Counted::account`]), every other answer none. Best effort: a failure to keep it is
///   not an error (the next login pays the claim).
/// - `forget_account` deletes that hint: a deleted account's number is not linked to its id
///   any more, in the store either. Its error is the caller's to report; a hint left behind is
///   refused by the account store ('deleted') and expires with [`ACCOUNT_HINT_SECS`].
/// - Two concurrent `verify` calls with the right code MUST NOT both see `Verified`.
pub trait OtpStore {
    fn issue(
        &self,
        request: &IssueRequest<'_>,
    ) -> impl Future<Output = Result<Counted<IssueOutcome>, BackendError>>;
    /// Deletes the phone's pending code if it is still the one the request issued, and its
    /// resend cooldown: used when the SMS could not be sent, so no unusable code blocks a retry.
    fn withdraw(
        &self,
        request: &IssueRequest<'_>,
    ) -> impl Future<Output = Result<(), BackendError>>;
    fn verify(
        &self,
        request: &VerifyRequest<'_>,
    ) -> impl Future<Output = Result<Counted<VerifyOutcome>, BackendError>>;
    /// Remembers the account a login of `phone` reached, for the number's next verified code.
    fn remember_account(&self, phone: &PhoneNumber, account: &UserId) -> impl Future<Output = ()>;
    /// Forgets the account a login of `phone` reached: its account was deleted.
    fn forget_account(&self, phone: &PhoneNumber)
        -> impl Future<Output = Result<(), BackendError>>;
}

/// How long the account a number's login reached is remembered: a number that logs in less
/// often pays the phone's claim again (one statement more), nothing else.
pub const ACCOUNT_HINT_SECS: u32 = 30 * 86_400;
