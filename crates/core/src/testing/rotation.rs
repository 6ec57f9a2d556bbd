//! The in-memory account store's rotation, with the semantics of `account_rotate`: a blocked
//! or deleted user's token rotates no more; a token is good once, and a second use is a reuse
//! that ends its session, unless it comes within the grace window (a client's retry), which is
//! honoured once and keeps one live chain; the successor never outlives its session.

use super::accounts::Token;
use super::InMemoryAccounts;
use crate::ports::{Clock, Rotation, RotationOutcome};

impl<C: Clock> InMemoryAccounts<'_, C> {
    pub(super) fn rotate_token(&self, r: &Rotation<'_>) -> RotationOutcome {
        let now = self.clock.now();
        let mut st = self.state.borrow_mut();
        let user = r.presented.user_id.clone();
        // A blocked or deleted user's token rotates no more (migration 0010).
        if st.blocked.contains(&user) || !st.users.contains_key(&user) {
            return RotationOutcome::Invalid;
        }
        let Some(token) = st.tokens.get(&(user.clone(), r.presented.hash)).cloned() else {
            return RotationOutcome::Invalid;
        };
        let session_key = (user.clone(), token.session.clone());
        let usable = st.sessions.get(&session_key).is_some_and(|s| {
            !token.revoked
                && token.expires_at > now
                && s.is_live(now, self.idle_secs)
                && r.session.is_none_or(|named| *named == token.session)
        });
        if !usable {
            return RotationOutcome::Invalid;
        }
        let first_use = token.used_at.is_none();
        let retry = r.grace_secs > 0
            && !first_use
            && token
                .used_at
                .is_some_and(|at| at > now - i64::from(r.grace_secs));
        if !(first_use || retry) {
            st.end_sessions(&user, |id, _| *id == token.session);
            return RotationOutcome::Reused;
        }
        let presented = (user.clone(), r.presented.hash);
        if first_use {
            st.tokens.get_mut(&presented).expect("found above").used_at = Some(now);
        } else {
            // A retry keeps one live chain and is honoured once.
            for (key, t) in st.tokens.iter_mut() {
                let same_session = key.0 == user && t.session == token.session;
                if same_session && !t.revoked && (*key == presented || t.used_at.is_none()) {
                    t.revoked = true;
                }
            }
        }
        let session_end = st.sessions[&session_key].expires_at;
        let successor = Token {
            session: token.session.clone(),
            expires_at: r.successor_expires_at.min(session_end),
            used_at: None,
            revoked: false,
        };
        st.tokens
            .insert((user.clone(), *r.successor_hash), successor);
        st.sessions
            .get_mut(&session_key)
            .expect("usable")
            .last_used_at = now;
        let found = st.users.get(&user).cloned();
        match found {
            Some(user) => RotationOutcome::Rotated {
                user,
                session: token.session,
                expires_at: r.successor_expires_at.min(session_end),
            },
            None => RotationOutcome::Invalid,
        }
    }
}
