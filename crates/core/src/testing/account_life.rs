//! The in-memory account store where an account starts, moves and ends, with the semantics of
//! migrations 0008 and 0009: a login (`account_sign_in`: a blocked user gets no session, a
//! claim naming a deleted user, or a user who moved to another number, is replaced), a number
//! change (the new claim, `account_finish_phone_change`, the old claim's release), a
//! superadmin's block (`account_admin_set_blocked`) and a deletion (`account_delete`, then the
//! claim's release).

use super::accounts::{Session, State, Token};
use super::InMemoryAccounts;
use crate::domain::account::{User, UserId};
use crate::domain::phone::PhoneNumber;
use crate::domain::session::SessionId;
use crate::ports::{
    BackendError, BlockChange, Clock, DeleteOutcome, Deletion, LoginAccount, NewLogin, PhoneChange,
    PhoneChangeOutcome,
};

/// Why a change that needs a fresh login is refused.
pub(super) enum NotFresh {
    SessionGone,
    NotRecent,
}

impl State {
    /// The double of `account_recent_session`: the session is live (and marked used) and
    /// logged in at most `max_age_secs` ago. Every change that needs a fresh login asks here.
    pub(super) fn recent_session(
        &mut self,
        user: &UserId,
        session: &SessionId,
        now: i64,
        idle: i64,
        max_age_secs: u32,
    ) -> Result<(), NotFresh> {
        if !self.touch_live(user, session, now, idle) {
            return Err(NotFresh::SessionGone);
        }
        let login = self.sessions[&(user.clone(), session.clone())].created_at;
        if login < now - i64::from(max_age_secs) {
            return Err(NotFresh::NotRecent);
        }
        Ok(())
    }
}

impl<C: Clock> InMemoryAccounts<'_, C> {
    pub(super) fn log_in(&self, l: &NewLogin<'_>) -> Result<LoginAccount, BackendError> {
        let now = self.clock.now();
        let mut st = self.state.borrow_mut();
        let phone = l.phone.as_e164().to_owned();
        let mut id = st
            .phones
            .entry(phone.clone())
            .or_insert_with(|| l.new_user_id.clone())
            .clone();
        let moved = st.users.get(&id).is_some_and(|u| u.phone != phone);
        if st.deleted.contains(&id) || moved {
            // The claim of a deletion (or a number change) that stopped half-way: released,
            // and claimed anew.
            st.phones.insert(phone.clone(), l.new_user_id.clone());
            id = l.new_user_id.clone();
            if st.deleted.contains(&id) {
                return Err(BackendError::Failed(
                    "the phone's claim names a deleted user twice".into(),
                ));
            }
        }
        if st.blocked.contains(&id) {
            let user = st.users[&id].clone();
            return Ok(LoginAccount::Blocked(user));
        }
        if st.sessions.contains_key(&(id.clone(), l.session.clone())) {
            // The SQL's primary key: a session id is never reused, so never revived.
            return Err(BackendError::Failed("duplicate session id".into()));
        }
        let created = !st.users.contains_key(&id);
        let user = st
            .users
            .entry(id.clone())
            .or_insert_with(|| User {
                id: id.clone(),
                phone,
                scope: l.new_user_scope.clone(),
                created_at: now,
                updated_at: now,
            })
            .clone();
        let session = Session {
            created_at: now,
            last_used_at: now,
            expires_at: l.refresh_expires_at,
            revoked: false,
            user_agent: l.user_agent.map(str::to_owned),
            ip: l.client_ip.map(str::to_owned),
        };
        st.sessions.insert((id.clone(), l.session.clone()), session);
        let hash = l.refresh_token(&id).hash;
        let token = Token {
            session: l.session.clone(),
            expires_at: l.refresh_expires_at,
            used_at: None,
            revoked: false,
        };
        st.tokens.insert((id, hash), token);
        Ok(if created {
            LoginAccount::Created(user)
        } else {
            LoginAccount::Found(user)
        })
    }

    pub(super) fn move_to(&self, c: &PhoneChange<'_>) -> PhoneChangeOutcome {
        let now = self.clock.now();
        let mut st = self.state.borrow_mut();
        match st.recent_session(c.user, c.session, now, self.idle_secs, c.max_auth_age_secs) {
            Err(NotFresh::SessionGone) => return PhoneChangeOutcome::SessionGone,
            Err(NotFresh::NotRecent) => return PhoneChangeOutcome::NotRecent,
            Ok(()) => {}
        }
        let new = c.new_phone.as_e164().to_owned();
        match st.phones.get(&new) {
            Some(owner) if owner != c.user => return PhoneChangeOutcome::PhoneTaken,
            _ => {}
        }
        st.phones.insert(new.clone(), c.user.clone());
        let user = st.users.get_mut(c.user).expect("a live session's user");
        let old = std::mem::replace(&mut user.phone, new.clone());
        user.updated_at = now;
        let changed = user.clone();
        if c.revoke_other_sessions {
            st.end_sessions(c.user, |id, _| id != c.session);
        }
        if old != new && st.phones.get(&old) == Some(c.user) {
            st.phones.remove(&old);
        }
        let previous = PhoneNumber::parse(&old, None).expect("a stored number parses");
        PhoneChangeOutcome::Changed {
            user: changed,
            previous,
        }
    }

    pub(super) fn block(&self, user: &UserId, blocked: bool) -> Option<BlockChange> {
        let now = self.clock.now();
        let mut st = self.state.borrow_mut();
        st.users.get(user)?;
        let changed = if blocked {
            st.blocked.insert(user.clone())
        } else {
            st.blocked.remove(user)
        };
        let sessions_ended = if blocked {
            st.end_sessions(user, |_, s| s.expires_at > now) as u64
        } else {
            0
        };
        let found = st.users.get_mut(user).expect("checked above");
        if changed {
            found.updated_at = now;
        }
        Some(BlockChange {
            user: found.clone(),
            sessions_ended,
        })
    }

    pub(super) fn delete(&self, user: &UserId, by: Deletion<'_>) -> DeleteOutcome {
        let now = self.clock.now();
        let mut st = self.state.borrow_mut();
        if let Deletion::Own {
            session,
            max_auth_age_secs,
        } = by
        {
            match st.recent_session(user, session, now, self.idle_secs, max_auth_age_secs) {
                Err(NotFresh::SessionGone) => return DeleteOutcome::SessionGone,
                Err(NotFresh::NotRecent) => return DeleteOutcome::NotRecent,
                Ok(()) => {}
            }
        }
        let Some(gone) = st.users.remove(user) else {
            return DeleteOutcome::NoSuchUser;
        };
        erase(&mut st, user);
        st.deleted.insert(user.clone());
        if st.phones.get(&gone.phone) == Some(user) {
            st.phones.remove(&gone.phone);
        }
        let freed = PhoneNumber::parse(&gone.phone, None).expect("the store keeps E.164 numbers");
        DeleteOutcome::Deleted { freed }
    }
}

/// What goes with the user's row: what the foreign keys' cascade removes, and the passkeys
/// (`account_delete` deletes those itself).
fn erase(st: &mut State, user: &UserId) {
    st.sessions.retain(|(u, _), _| u != user);
    st.tokens.retain(|(u, _), _| u != user);
    st.passkeys.retain(|(u, _), _| u != user);
    st.blocked.remove(user);
}
