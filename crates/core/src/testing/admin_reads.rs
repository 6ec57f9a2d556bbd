//! The in-memory account store's admin side, with the statements' semantics: a user's
//! sessions (`user_sessions.sql`, and the caller's own list of `sessions.sql`), a superadmin's
//! scope change (`admin_set_scope.sql`) and the users page (`list_users.sql`).

use super::accounts::State;
use super::InMemoryAccounts;
use crate::domain::account::{Scope, User, UserId};
use crate::domain::admin::UserQuery;
use crate::domain::time::rfc3339;
use crate::ports::{Clock, SessionInfo, UnixSeconds, UserPage};

impl<C: Clock> InMemoryAccounts<'_, C> {
    /// Sets the user's scope and its update time; `None` when there is no such user.
    pub(super) fn scope_set_by_admin(&self, user: &UserId, scope: &Scope) -> Option<User> {
        let now = self.clock.now();
        let mut st = self.state.borrow_mut();
        st.users.get_mut(user).map(|u| {
            u.scope = scope.clone();
            u.updated_at = now;
            u.clone()
        })
    }

    /// One page of the users the query matches, newest first, and how many match.
    pub(super) fn page(&self, q: &UserQuery) -> UserPage {
        let st = self.state.borrow();
        let day = |at: UnixSeconds| rfc3339(at)[..10].to_owned();
        let mut matching: Vec<User> = st
            .users
            .values()
            .filter(|u| q.phone_like.as_ref().is_none_or(|p| like(&u.phone, p)))
            .filter(|u| q.date_from.as_ref().is_none_or(|d| day(u.created_at) >= *d))
            .filter(|u| q.date_to.as_ref().is_none_or(|d| day(u.created_at) <= *d))
            .cloned()
            .collect();
        matching.sort_by(|a, b| (b.created_at, &a.id).cmp(&(a.created_at, &b.id)));
        let total = matching.len() as u64;
        let users = matching
            .into_iter()
            .skip(q.offset() as usize)
            .take(q.limit as usize)
            .collect();
        UserPage { users, total }
    }
}

/// The sessions list of `sessions.sql` and `user_sessions.sql`: not revoked, not expired,
/// newest use first, at most 100.
pub(super) fn live_sessions_of(st: &State, user: &UserId, now: i64) -> Vec<SessionInfo> {
    let mut live: Vec<SessionInfo> = st
        .sessions
        .iter()
        .filter(|((u, _), s)| u == user && !s.revoked && s.expires_at > now)
        .map(|((_, id), s)| SessionInfo {
            id: id.clone(),
            created_at: s.created_at,
            last_used_at: s.last_used_at,
            expires_at: s.expires_at,
            user_agent: s.user_agent.clone(),
            ip: s.ip.clone(),
        })
        .collect();
    live.sort_by(|a, b| (b.last_used_at, a.id.as_str()).cmp(&(a.last_used_at, b.id.as_str())));
    live.truncate(100);
    live
}

/// SQL's `LIKE` for the patterns the listing builds: `text%` or `%text%` (no other wildcard).
fn like(value: &str, pattern: &str) -> bool {
    match (pattern.strip_prefix('%'), pattern.strip_suffix('%')) {
        (Some(inner), Some(_)) => value.contains(inner.trim_end_matches('%')),
        (None, Some(prefix)) => value.starts_with(prefix),
        _ => value == pattern,
    }
}
