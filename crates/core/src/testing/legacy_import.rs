//! The Go service's import into the in-memory account store, with the semantics of the
//! adapters' `pg/accounts/legacy.rs`; `contract::legacy_import` holds both to one behaviour.

use super::accounts::{Session, Token};
use super::InMemoryAccounts;
use crate::domain::account::User;
use crate::ports::{
    BackendError, Checkpoint, Clock, ImportPhase, ImportedToken, ImportedUser, LegacyImport,
    TokensImported, UserImport,
};

impl<C: Clock> LegacyImport for InMemoryAccounts<'_, C> {
    async fn import_users(
        &self,
        users: &[ImportedUser],
        done: &Checkpoint<'_>,
    ) -> Result<Vec<UserImport>, BackendError> {
        let mut st = self.state.borrow_mut();
        let mut outcomes = Vec::with_capacity(users.len());
        for u in users {
            let phone = u.phone.as_e164();
            let outcome = match (st.users.get(&u.id), st.phones.get(phone)) {
                _ if st.deleted.contains(&u.id) => UserImport::Deleted,
                (Some(here), _) if here.phone == phone => UserImport::AlreadyImported,
                (Some(_), _) => UserImport::IdTaken,
                (None, Some(owner)) if *owner != u.id => UserImport::PhoneTaken,
                (None, _) => {
                    st.phones.insert(phone.to_owned(), u.id.clone());
                    let user = User {
                        id: u.id.clone(),
                        phone: phone.to_owned(),
                        scope: u.scope.clone(),
                        created_at: u.created_at,
                        updated_at: u.updated_at,
                    };
                    st.users.insert(u.id.clone(), user);
                    UserImport::Created
                }
            };
            outcomes.push(outcome);
        }
        save(&mut st.checkpoints, done);
        Ok(outcomes)
    }

    async fn import_tokens(
        &self,
        tokens: &[ImportedToken],
        done: &Checkpoint<'_>,
    ) -> Result<TokensImported, BackendError> {
        let mut st = self.state.borrow_mut();
        let mut counts = TokensImported::default();
        for t in tokens {
            let owned = st
                .users
                .get(&t.user)
                .is_some_and(|u| u.phone == t.phone.as_e164());
            if !owned {
                counts.without_user += 1;
                continue;
            }
            if st.blocked.contains(&t.user) {
                counts.of_blocked_user += 1;
                continue;
            }
            let key = (t.user.clone(), t.hash);
            if st.tokens.contains_key(&key) {
                counts.already += 1;
                continue;
            }
            let session = st
                .sessions
                .entry((t.user.clone(), t.session.clone()))
                .or_insert(Session {
                    created_at: t.created_at,
                    last_used_at: t.created_at,
                    expires_at: t.expires_at,
                    revoked: false,
                    user_agent: None,
                    ip: None,
                });
            // A session lasts as long as its latest token; an ended one stays ended.
            if !session.revoked {
                session.expires_at = session.expires_at.max(t.expires_at);
            }
            let token = Token {
                session: t.session.clone(),
                expires_at: t.expires_at,
                used_at: None,
                revoked: false,
            };
            st.tokens.insert(key, token);
            st.legacy.entry(t.hash).or_insert_with(|| t.user.clone());
            counts.stored += 1;
        }
        save(&mut st.checkpoints, done);
        Ok(counts)
    }

    async fn finish(&self, source: &str) -> Result<(), BackendError> {
        let mut st = self.state.borrow_mut();
        st.checkpoints.retain(|(s, _), _| s != source);
        Ok(())
    }

    async fn checkpoint(
        &self,
        source: &str,
        phase: ImportPhase,
    ) -> Result<Option<String>, BackendError> {
        let key = (source.to_owned(), phase.as_str());
        Ok(self.state.borrow().checkpoints.get(&key).cloned())
    }
}

fn save(
    checkpoints: &mut std::collections::HashMap<(String, &'static str), String>,
    done: &Checkpoint<'_>,
) {
    let key = (done.source.to_owned(), done.phase.as_str());
    checkpoints.insert(key, done.last_id.to_owned());
}
