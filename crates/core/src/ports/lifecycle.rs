//! An account's life after its first login, as the account store sees it: a move to a new
//! number, a superadmin's block, and a deletion by the user or by a superadmin.

use crate::domain::account::{User, UserId};
use crate::domain::phone::PhoneNumber;
use crate::domain::session::SessionId;

/// A block or unblock as done: the user as it is now, and how many live sessions the block
/// ended (0 for an unblock, or a user already blocked).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BlockChange {
    pub user: User,
    pub sessions_ended: u64,
}

/// Who deletes an account, and what they must show.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Deletion<'a> {
    /// The user, from a live session that logged in at most `max_auth_age_secs` ago (a recent
    /// authentication: an older session logs in again first).
    Own {
        session: &'a SessionId,
        max_auth_age_secs: u32,
    },
    /// A superadmin (authorized by the caller, in core), named in the audit row.
    ByAdmin(&'a UserId),
}

/// What a deletion came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DeleteOutcome {
    /// The user, its sessions and tokens are gone, the phone is free, the audit rows keep the id
    /// alone. `freed` is the number the user had: what else remembers it (the OTP store's
    /// account hint) forgets it next.
    Deleted { freed: PhoneNumber },
    /// `Deletion::Own`: the session is not live. Nothing changed.
    SessionGone,
    /// `Deletion::Own`: the session logged in too long ago. Nothing changed.
    NotRecent,
    /// No such user (already deleted, or never was).
    NoSuchUser,
}

/// A user's move to a new number, whose code they have just confirmed.
#[derive(Debug, Clone, Copy)]
pub struct PhoneChange<'a> {
    pub user: &'a UserId,
    /// The caller's session: it must be live, and it is kept.
    pub session: &'a SessionId,
    pub new_phone: &'a PhoneNumber,
    /// Whether every other session of the user ends (`PHONE_CHANGE_SESSIONS`).
    pub revoke_other_sessions: bool,
    /// The caller's session must have logged in at most this long ago.
    pub max_auth_age_secs: u32,
}

/// What a number change came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PhoneChangeOutcome {
    /// The user as it is now, on the new number, and the number it left (free now).
    Changed { user: User, previous: PhoneNumber },
    /// Another account has the number. Nothing changed (whose it is is not said).
    PhoneTaken,
    /// The caller's session is not live. Nothing changed.
    SessionGone,
    /// The caller's session logged in too long ago. Nothing changed.
    NotRecent,
}
