//! The in-memory account store's passkeys, with the semantics of the account functions of
//! migration 0011 (`account_add_passkey`, `account_passkey_sign_in`,
//! `account_remove_passkey`) and of `passkeys.sql`: a recent login to register, the count
//! and the insert in one step, the sign count compared and advanced with the session's start.
//! `contract::account_store` holds this and the Postgres store to one behaviour.

use super::account_life::NotFresh;
use super::accounts::{Session, Token};
use super::InMemoryAccounts;
use crate::domain::account::UserId;
use crate::domain::passkey::CredentialId;
use crate::domain::session::SessionId;
use crate::ports::{
    BackendError, Clock, NewPasskey, PasskeyAdded, PasskeyInfo, PasskeyList, PasskeyRemoval,
    PasskeySignIn, PasskeySignInOutcome, PasskeyStore, StoredKey,
};

/// One stored passkey (a row of `passkeys`).
#[derive(Debug, Clone)]
pub(super) struct Passkey {
    key: StoredKey,
    sign_count: u32,
    info: PasskeyInfo,
}

impl<C: Clock> PasskeyStore for InMemoryAccounts<'_, C> {
    async fn add_passkey(&self, p: &NewPasskey<'_>) -> Result<PasskeyAdded, BackendError> {
        let now = self.clock.now();
        let mut st = self.state.borrow_mut();
        match st.recent_session(p.user, p.session, now, self.idle_secs, p.max_auth_age_secs) {
            Err(NotFresh::SessionGone) => return Ok(PasskeyAdded::SessionGone),
            Err(NotFresh::NotRecent) => return Ok(PasskeyAdded::NotRecent),
            Ok(()) => {}
        }
        let held = st.passkeys.keys().filter(|(u, _)| u == p.user).count();
        if held >= p.max_passkeys as usize {
            return Ok(PasskeyAdded::TooMany);
        }
        let key = (p.user.clone(), p.credential.clone());
        if st.passkeys.contains_key(&key) {
            return Ok(PasskeyAdded::AlreadyRegistered);
        }
        let info = PasskeyInfo {
            credential: p.credential.clone(),
            name: p.name.as_str().to_owned(),
            transports: p.transports.to_vec(),
            created_at: now,
            last_used_at: None,
        };
        let stored = Passkey {
            key: StoredKey {
                public_key: p.public_key.to_vec(),
                algorithm: p.algorithm,
            },
            sign_count: p.sign_count,
            info: info.clone(),
        };
        st.passkeys.insert(key, stored);
        Ok(PasskeyAdded::Added(info))
    }

    async fn passkey_key(
        &self,
        user: &UserId,
        credential: &CredentialId,
    ) -> Result<Option<StoredKey>, BackendError> {
        let st = self.state.borrow();
        let key = (user.clone(), credential.clone());
        Ok(st.passkeys.get(&key).map(|p| p.key.clone()))
    }

    async fn sign_in_with_passkey(
        &self,
        s: &PasskeySignIn<'_>,
    ) -> Result<PasskeySignInOutcome, BackendError> {
        let now = self.clock.now();
        let mut st = self.state.borrow_mut();
        let key = (s.user.clone(), s.credential.clone());
        let (Some(user), Some(passkey)) = (st.users.get(s.user).cloned(), st.passkeys.get(&key))
        else {
            return Ok(PasskeySignInOutcome::Unknown);
        };
        if st.blocked.contains(s.user) {
            return Ok(PasskeySignInOutcome::Blocked(user));
        }
        let stored = passkey.sign_count;
        if (stored != 0 || s.sign_count != 0) && s.sign_count <= stored {
            return Ok(PasskeySignInOutcome::Rollback { stored });
        }
        if st
            .sessions
            .contains_key(&(s.user.clone(), s.session.clone()))
        {
            // The SQL's primary key: a session id is never reused, so never revived.
            return Err(BackendError::Failed("duplicate session id".into()));
        }
        let passkey = st.passkeys.get_mut(&key).expect("found above");
        passkey.sign_count = s.sign_count;
        passkey.info.last_used_at = Some(now);
        let session = Session {
            created_at: now,
            last_used_at: now,
            expires_at: s.refresh_expires_at,
            revoked: false,
            user_agent: s.user_agent.map(str::to_owned),
            ip: s.client_ip.map(str::to_owned),
        };
        st.sessions
            .insert((s.user.clone(), s.session.clone()), session);
        let token = Token {
            session: s.session.clone(),
            expires_at: s.refresh_expires_at,
            used_at: None,
            revoked: false,
        };
        st.tokens.insert((s.user.clone(), *s.refresh_hash), token);
        Ok(PasskeySignInOutcome::SignedIn(user))
    }

    async fn passkeys(
        &self,
        user: &UserId,
        session: &SessionId,
    ) -> Result<Option<PasskeyList>, BackendError> {
        let now = self.clock.now();
        let mut st = self.state.borrow_mut();
        if !st.touch_live(user, session, now, self.idle_secs) {
            return Ok(None);
        }
        let phone = st.users[user].phone.clone();
        let mut listed: Vec<PasskeyInfo> = st
            .passkeys
            .iter()
            .filter(|((u, _), _)| u == user)
            .map(|(_, p)| p.info.clone())
            .collect();
        listed.sort_by(|a, b| {
            (a.created_at, a.credential.as_bytes()).cmp(&(b.created_at, b.credential.as_bytes()))
        });
        Ok(Some(PasskeyList {
            phone,
            passkeys: listed,
        }))
    }

    async fn remove_passkey(
        &self,
        user: &UserId,
        session: &SessionId,
        max_auth_age_secs: u32,
        credential: &CredentialId,
    ) -> Result<PasskeyRemoval, BackendError> {
        let now = self.clock.now();
        let mut st = self.state.borrow_mut();
        match st.recent_session(user, session, now, self.idle_secs, max_auth_age_secs) {
            Err(NotFresh::SessionGone) => return Ok(PasskeyRemoval::SessionGone),
            Err(NotFresh::NotRecent) => return Ok(PasskeyRemoval::NotRecent),
            Ok(()) => {}
        }
        let key = (user.clone(), credential.clone());
        Ok(match st.passkeys.remove(&key) {
            Some(_) => PasskeyRemoval::Removed,
            None => PasskeyRemoval::NotFound,
        })
    }
}
