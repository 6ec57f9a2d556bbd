//! The account store in memory, with the semantics of the catalogue's statements
//! (`auth_adapters`' `pg/sql/`): the phone's claim, the login write, logout scopes, the
//! live-session check (with idle expiry) that every bearer call makes; a login, a block and a
//! deletion are in `account_life.rs`, a rotation (reuse detection, the grace window) in
//! `rotation.rs`, the admin reads in `admin_reads.rs`, the passkeys in `passkeys.rs`.
//! `contract::account_store` holds the double and the real store to one behaviour.

use super::admin_reads::live_sessions_of;
use super::passkeys::Passkey;
use crate::domain::account::{Scope, User, UserId};
use crate::domain::admin::UserQuery;
use crate::domain::passkey::CredentialId;
use crate::domain::phone::PhoneNumber;
use crate::domain::secrets::PresentedToken;
use crate::domain::session::SessionId;
use crate::ports::{
    AccountStore, BackendError, BlockChange, Clock, DeleteOutcome, Deletion, LoginAccount,
    LogoutOutcome, LogoutScope, NewLogin, PhoneChange, PhoneChangeOutcome, RevokeOutcome, Rotation,
    RotationOutcome, SessionInfo, UnixSeconds, UserPage,
};
use std::cell::RefCell;
use std::collections::{HashMap, HashSet};

#[derive(Debug, Clone)]
pub(super) struct Session {
    pub(super) created_at: UnixSeconds,
    pub(super) last_used_at: UnixSeconds,
    pub(super) expires_at: UnixSeconds,
    pub(super) revoked: bool,
    pub(super) user_agent: Option<String>,
    pub(super) ip: Option<String>,
}

#[derive(Debug, Clone)]
pub(super) struct Token {
    pub(super) session: SessionId,
    pub(super) expires_at: UnixSeconds,
    pub(super) used_at: Option<UnixSeconds>,
    pub(super) revoked: bool,
}

#[derive(Debug, Default)]
pub(super) struct State {
    pub(super) phones: HashMap<String, UserId>,
    pub(super) users: HashMap<UserId, User>,
    pub(super) sessions: HashMap<(UserId, SessionId), Session>,
    pub(super) tokens: HashMap<(UserId, [u8; 32]), Token>,
    /// Imported Go tokens: hash -> user (`legacy_refresh_tokens`).
    pub(super) legacy: HashMap<[u8; 32], UserId>,
    /// The import's checkpoints: (source, phase) -> last id (`legacy_import_progress`).
    pub(super) checkpoints: HashMap<(String, &'static str), String>,
    /// Blocked users (`users.blocked_at`) and the tombstones of deleted ones (`deleted_users`).
    pub(super) blocked: HashSet<UserId>,
    pub(super) deleted: HashSet<UserId>,
    /// Each user's passkeys (`passkeys`), by credential id.
    pub(super) passkeys: HashMap<(UserId, CredentialId), Passkey>,
}

impl State {
    /// The live-session check of `live_session.sql`: not revoked, not expired, not idle too
    /// long; a live session is marked used.
    pub(super) fn touch_live(
        &mut self,
        user: &UserId,
        session: &SessionId,
        now: i64,
        idle: i64,
    ) -> bool {
        let key = (user.clone(), session.clone());
        match self.sessions.get_mut(&key) {
            Some(s) if s.is_live(now, idle) => {
                s.last_used_at = now;
                true
            }
            _ => false,
        }
    }

    /// Revokes sessions of `user` chosen by `pick`, and their tokens; returns how many ended.
    pub(super) fn end_sessions(
        &mut self,
        user: &UserId,
        pick: impl Fn(&SessionId, &Session) -> bool,
    ) -> usize {
        let ended: Vec<SessionId> = self
            .sessions
            .iter_mut()
            .filter(|((u, id), s)| u == user && !s.revoked && pick(id, s))
            .map(|((_, id), s)| {
                s.revoked = true;
                id.clone()
            })
            .collect();
        for ((u, _), t) in self.tokens.iter_mut() {
            if u == user && ended.contains(&t.session) {
                t.revoked = true;
            }
        }
        ended.len()
    }
}

impl Session {
    pub(super) fn is_live(&self, now: i64, idle: i64) -> bool {
        !self.revoked && self.expires_at > now && (idle == 0 || self.last_used_at > now - idle)
    }
}

pub struct InMemoryAccounts<'c, C: Clock> {
    pub(super) clock: &'c C,
    pub(super) idle_secs: i64,
    pub(super) state: RefCell<State>,
}

impl<'c, C: Clock> InMemoryAccounts<'c, C> {
    pub fn new(clock: &'c C) -> Self {
        Self {
            clock,
            idle_secs: 0,
            state: RefCell::new(State::default()),
        }
    }

    /// Ends sessions left unused for `secs` seconds (0 turns idle expiry off).
    pub fn with_idle_timeout(mut self, secs: u32) -> Self {
        self.idle_secs = i64::from(secs);
        self
    }

    /// Gives a user a scope, as the operator's command does.
    pub fn set_scope(&self, user: &UserId, scope: Scope) {
        if let Some(u) = self.state.borrow_mut().users.get_mut(user) {
            u.scope = scope;
        }
    }
}

impl<C: Clock> AccountStore for InMemoryAccounts<'_, C> {
    async fn login(&self, l: &NewLogin<'_>) -> Result<LoginAccount, BackendError> {
        self.log_in(l)
    }

    async fn user_of_session(
        &self,
        user: &UserId,
        session: &SessionId,
    ) -> Result<Option<User>, BackendError> {
        let now = self.clock.now();
        let mut st = self.state.borrow_mut();
        if !st.touch_live(user, session, now, self.idle_secs) {
            return Ok(None);
        }
        Ok(st.users.get(user).cloned())
    }

    async fn rotate(&self, r: &Rotation<'_>) -> Result<RotationOutcome, BackendError> {
        Ok(self.rotate_token(r))
    }

    async fn logout(
        &self,
        token: &PresentedToken,
        scope: LogoutScope,
    ) -> Result<LogoutOutcome, BackendError> {
        let now = self.clock.now();
        let mut st = self.state.borrow_mut();
        let presented = st
            .tokens
            .get(&(token.user_id.clone(), token.hash))
            .filter(|t| !t.revoked && t.expires_at > now)
            .map(|t| (t.session.clone(), t.used_at.is_some()));
        let Some((mine, used)) = presented else {
            return Ok(LogoutOutcome::NotLive);
        };
        if used {
            st.end_sessions(&token.user_id, |id, _| *id == mine);
            return Ok(LogoutOutcome::Reused);
        }
        st.end_sessions(&token.user_id, |id, _| match scope {
            LogoutScope::Local => *id == mine,
            LogoutScope::Others => *id != mine,
            LogoutScope::Global => true,
        });
        Ok(LogoutOutcome::Ended)
    }

    async fn sessions(
        &self,
        user: &UserId,
        session: &SessionId,
    ) -> Result<Option<Vec<SessionInfo>>, BackendError> {
        let now = self.clock.now();
        let mut st = self.state.borrow_mut();
        if !st.touch_live(user, session, now, self.idle_secs) {
            return Ok(None);
        }
        let live = live_sessions_of(&st, user, now);
        Ok(Some(live))
    }

    async fn revoke_session(
        &self,
        user: &UserId,
        session: &SessionId,
        target: &SessionId,
    ) -> Result<RevokeOutcome, BackendError> {
        let now = self.clock.now();
        let mut st = self.state.borrow_mut();
        if !st.touch_live(user, session, now, self.idle_secs) {
            return Ok(RevokeOutcome::Unauthenticated);
        }
        let ended = st.end_sessions(user, |id, s| id == target && s.expires_at > now);
        Ok(if ended == 0 {
            RevokeOutcome::NotFound
        } else {
            RevokeOutcome::Revoked
        })
    }

    async fn set_scope_by(
        &self,
        user: &UserId,
        scope: &Scope,
        _admin: &UserId,
    ) -> Result<Option<User>, BackendError> {
        Ok(self.scope_set_by_admin(user, scope))
    }

    async fn user_sessions(
        &self,
        user: &UserId,
        _admin: &UserId,
    ) -> Result<Vec<SessionInfo>, BackendError> {
        let now = self.clock.now();
        let st = self.state.borrow();
        Ok(live_sessions_of(&st, user, now))
    }

    async fn legacy_token_owner(&self, hash: &[u8; 32]) -> Result<Option<UserId>, BackendError> {
        Ok(self.state.borrow().legacy.get(hash).cloned())
    }

    async fn phone_owner(&self, phone: &PhoneNumber) -> Result<Option<UserId>, BackendError> {
        Ok(self.state.borrow().phones.get(phone.as_e164()).cloned())
    }

    async fn find_user(&self, id: &UserId) -> Result<Option<User>, BackendError> {
        Ok(self.state.borrow().users.get(id).cloned())
    }

    async fn change_phone(
        &self,
        change: &PhoneChange<'_>,
    ) -> Result<PhoneChangeOutcome, BackendError> {
        Ok(self.move_to(change))
    }

    async fn set_blocked_by(
        &self,
        user: &UserId,
        blocked: bool,
        _admin: &UserId,
    ) -> Result<Option<BlockChange>, BackendError> {
        Ok(self.block(user, blocked))
    }

    async fn delete_account(
        &self,
        user: &UserId,
        by: Deletion<'_>,
    ) -> Result<DeleteOutcome, BackendError> {
        Ok(self.delete(user, by))
    }

    async fn list_users(&self, q: &UserQuery) -> Result<UserPage, BackendError> {
        Ok(self.page(q))
    }
}
