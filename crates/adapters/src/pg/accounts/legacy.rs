//! The Go service's accounts, moved over by `auth-ops import-otp-auth`: the lookup of an
//! imported token by its hash (on a request), and the import's batches (an operator's run,
//! through the coordinator on Citus: statements of the catalogue's `Batch` routing).
//!
//! A batch is one transaction with its checkpoint. Every write is an `INSERT ... ON CONFLICT`
//! that leaves a row already here alone, so a batch written twice changes nothing. The users
//! pass claims the phones first and reads the owners back, so a phone someone claimed here
//! (by logging in, or earlier in the batch) is never given to a second account. What this
//! service ended stays ended when the import runs again after traffic moved over: a user
//! deleted here is not created again (its tombstone is read first), a user blocked here gets
//! none of its tokens or sessions, and a token used or revoked here keeps its row.

use super::{backend, PgAccountStore};
use crate::pg::catalogue::{
    in_transaction, IMPORT_AUDIT, IMPORT_CHECKPOINT, IMPORT_CLAIM_PHONES, IMPORT_FINISH,
    IMPORT_PHONE_OWNERS, IMPORT_SAVE_CHECKPOINT, IMPORT_SESSIONS, IMPORT_TOKENS,
    IMPORT_TOKENS_FOUND, IMPORT_TOKEN_OWNERS, IMPORT_USERS, IMPORT_USERS_DELETED,
    IMPORT_USERS_FOUND, LEGACY_TOKEN_OWNER,
};
use crate::pg::PgError;
use auth_core::domain::account::UserId;
use auth_core::ports::{
    BackendError, Checkpoint, ImportPhase, ImportedToken, ImportedUser, LegacyImport,
    TokensImported, UserImport,
};
use std::collections::{BTreeMap, HashMap, HashSet};
use tokio_postgres::types::{ToSql, Type};

impl PgAccountStore<'_> {
    pub(super) async fn legacy_owner(&self, hash: &[u8; 32]) -> Result<Option<UserId>, PgError> {
        let rows = LEGACY_TOKEN_OWNER
            .rows(self.client, &[(&hash.as_slice(), Type::BYTEA)])
            .await?;
        match rows.first() {
            Some(row) => Ok(Some(super::user_id_at(row, 0)?)),
            None => Ok(None),
        }
    }

    /// Runs `batch` in one transaction with the statement that stores `done`.
    async fn with_checkpoint<T>(
        &self,
        done: &Checkpoint<'_>,
        batch: impl std::future::Future<Output = Result<T, PgError>>,
    ) -> Result<T, PgError> {
        let body = async {
            let value = batch.await?;
            let phase = done.phase.as_str();
            let params = [
                (&done.source as &(dyn ToSql + Sync), Type::TEXT),
                (&phase, Type::TEXT),
                (&done.last_id, Type::TEXT),
            ];
            IMPORT_SAVE_CHECKPOINT.rows(self.client, &params).await?;
            Ok(value)
        };
        in_transaction(self.client, body).await
    }

    /// Who owns each of these phones here (one row of two arrays in step: phones, owners).
    async fn phone_owners(&self, phones: &[String]) -> Result<HashMap<String, String>, PgError> {
        let row = IMPORT_PHONE_OWNERS
            .row(self.client, &[(&phones, Type::TEXT_ARRAY)])
            .await?;
        let (phones, owners): (Vec<String>, Vec<String>) = (row.get(0), row.get(1));
        Ok(phones.into_iter().zip(owners).collect())
    }

    /// The phone of each of these users that is here, and whether it is blocked.
    async fn users_here(&self, ids: &[String]) -> Result<HashMap<String, Here>, PgError> {
        let row = IMPORT_USERS_FOUND
            .row(self.client, &[(&ids, Type::TEXT_ARRAY)])
            .await?;
        let (ids, phones, blocked): (Vec<String>, Vec<String>, Vec<bool>) =
            (row.get(0), row.get(1), row.get(2));
        let here = phones
            .into_iter()
            .zip(blocked)
            .map(|(phone, blocked)| Here { phone, blocked });
        Ok(ids.into_iter().zip(here).collect())
    }

    /// Which of these users were deleted here.
    async fn deleted_of(&self, ids: &[String]) -> Result<HashSet<String>, PgError> {
        let row = IMPORT_USERS_DELETED
            .row(self.client, &[(&ids, Type::TEXT_ARRAY)])
            .await?;
        Ok(row.get::<_, Vec<String>>(0).into_iter().collect())
    }

    async fn write_users(&self, users: &[ImportedUser]) -> Result<Vec<UserImport>, PgError> {
        let ids: Vec<String> = users.iter().map(|u| u.id.as_str().to_owned()).collect();
        let phones: Vec<String> = users.iter().map(|u| u.phone.as_e164().to_owned()).collect();
        let here = self.users_here(&ids).await?;
        let deleted = self.deleted_of(&ids).await?;
        let mut outcomes: Vec<Option<UserImport>> = ids
            .iter()
            .zip(&phones)
            .map(|(id, phone)| match here.get(id) {
                _ if deleted.contains(id) => Some(UserImport::Deleted),
                Some(h) if h.phone == *phone => Some(UserImport::AlreadyImported),
                Some(_) => Some(UserImport::IdTaken),
                None => None,
            })
            .collect();
        let new: Vec<usize> = (0..users.len())
            .filter(|&i| outcomes[i].is_none())
            .collect();
        let pick = |v: &[String]| -> Vec<String> { new.iter().map(|&i| v[i].clone()).collect() };
        let (new_ids, new_phones) = (pick(&ids), pick(&phones));
        let created: Vec<f64> = new.iter().map(|&i| users[i].created_at as f64).collect();
        IMPORT_CLAIM_PHONES
            .rows(
                self.client,
                &[
                    (&new_phones, Type::TEXT_ARRAY),
                    (&new_ids, Type::TEXT_ARRAY),
                    (&created, Type::FLOAT8_ARRAY),
                ],
            )
            .await?;
        // Whose claim won: ours, or one made here before (a login, or the same number earlier
        // in this batch).
        let owners = self.phone_owners(&new_phones).await?;
        let mut won: Vec<usize> = Vec::with_capacity(new.len());
        for &i in &new {
            let ours = owners.get(&phones[i]) == Some(&ids[i]);
            if ours {
                won.push(i);
            }
            outcomes[i] = Some(match ours {
                true => UserImport::Created,
                false => UserImport::PhoneTaken,
            });
        }
        let column = |f: &dyn Fn(&ImportedUser) -> String| -> Vec<String> {
            won.iter().map(|&i| f(&users[i])).collect()
        };
        let won_ids = column(&|u| u.id.as_str().to_owned());
        let won_phones = column(&|u| u.phone.as_e164().to_owned());
        let scopes = column(&|u| u.scope.as_str().to_owned());
        let created: Vec<f64> = won.iter().map(|&i| users[i].created_at as f64).collect();
        let updated: Vec<f64> = won.iter().map(|&i| users[i].updated_at as f64).collect();
        IMPORT_USERS
            .rows(
                self.client,
                &[
                    (&won_ids, Type::TEXT_ARRAY),
                    (&won_phones, Type::TEXT_ARRAY),
                    (&scopes, Type::TEXT_ARRAY),
                    (&created, Type::FLOAT8_ARRAY),
                    (&updated, Type::FLOAT8_ARRAY),
                ],
            )
            .await?;
        IMPORT_AUDIT
            .rows(self.client, &[(&won_ids, Type::TEXT_ARRAY)])
            .await?;
        Ok(outcomes.into_iter().map(|o| o.expect("decided")).collect())
    }

    async fn write_tokens(&self, tokens: &[ImportedToken]) -> Result<TokensImported, PgError> {
        let ids: Vec<String> = tokens.iter().map(|t| t.user.as_str().to_owned()).collect();
        let here = self.users_here(&ids).await?;
        // A token goes to a user here with its id and phone; a blocked one gets none.
        let user_of = |t: &ImportedToken| {
            here.get(t.user.as_str())
                .filter(|h| h.phone == t.phone.as_e164())
        };
        let owned: Vec<&ImportedToken> = tokens
            .iter()
            .filter(|t| user_of(t).is_some_and(|h| !h.blocked))
            .collect();
        let of_blocked = tokens
            .iter()
            .filter(|t| user_of(t).is_some_and(|h| h.blocked))
            .count() as u64;
        // One row per session (a Go session may hold several live tokens): its first token's
        // creation, its last token's expiry.
        let mut sessions: BTreeMap<(&str, &str), (i64, i64)> = BTreeMap::new();
        for t in &owned {
            let span = sessions
                .entry((t.user.as_str(), t.session.as_str()))
                .or_insert((t.created_at, t.expires_at));
            *span = (span.0.min(t.created_at), span.1.max(t.expires_at));
        }
        let s_users: Vec<&str> = sessions.keys().map(|k| k.0).collect();
        let s_ids: Vec<&str> = sessions.keys().map(|k| k.1).collect();
        let s_created: Vec<f64> = sessions.values().map(|v| v.0 as f64).collect();
        let s_expires: Vec<f64> = sessions.values().map(|v| v.1 as f64).collect();
        IMPORT_SESSIONS
            .rows(
                self.client,
                &[
                    (&s_users, Type::TEXT_ARRAY),
                    (&s_ids, Type::TEXT_ARRAY),
                    (&s_created, Type::FLOAT8_ARRAY),
                    (&s_expires, Type::FLOAT8_ARRAY),
                ],
            )
            .await?;
        let hashes: Vec<&[u8]> = owned.iter().map(|t| t.hash.as_slice()).collect();
        let users: Vec<&str> = owned.iter().map(|t| t.user.as_str()).collect();
        // Counted before the write: the import holds its lock, and a token minted here never
        // has a Go token's hash, so nothing else adds these rows meanwhile.
        let present = IMPORT_TOKENS_FOUND
            .row(
                self.client,
                &[(&users, Type::TEXT_ARRAY), (&hashes, Type::BYTEA_ARRAY)],
            )
            .await?
            .get::<_, i64>(0) as u64;
        let session_ids: Vec<&str> = owned.iter().map(|t| t.session.as_str()).collect();
        let created: Vec<f64> = owned.iter().map(|t| t.created_at as f64).collect();
        let expires: Vec<f64> = owned.iter().map(|t| t.expires_at as f64).collect();
        IMPORT_TOKENS
            .rows(
                self.client,
                &[
                    (&hashes, Type::BYTEA_ARRAY),
                    (&users, Type::TEXT_ARRAY),
                    (&session_ids, Type::TEXT_ARRAY),
                    (&created, Type::FLOAT8_ARRAY),
                    (&expires, Type::FLOAT8_ARRAY),
                ],
            )
            .await?;
        IMPORT_TOKEN_OWNERS
            .rows(
                self.client,
                &[
                    (&hashes, Type::BYTEA_ARRAY),
                    (&users, Type::TEXT_ARRAY),
                    (&expires, Type::FLOAT8_ARRAY),
                ],
            )
            .await?;
        Ok(TokensImported {
            stored: owned.len() as u64 - present,
            already: present,
            of_blocked_user: of_blocked,
            without_user: tokens.len() as u64 - owned.len() as u64 - of_blocked,
        })
    }
}

/// A user of a batch that is here: its phone, and whether it is blocked.
struct Here {
    phone: String,
    blocked: bool,
}

impl LegacyImport for PgAccountStore<'_> {
    async fn import_users(
        &self,
        users: &[ImportedUser],
        done: &Checkpoint<'_>,
    ) -> Result<Vec<UserImport>, BackendError> {
        self.with_checkpoint(done, self.write_users(users))
            .await
            .map_err(backend)
    }

    async fn import_tokens(
        &self,
        tokens: &[ImportedToken],
        done: &Checkpoint<'_>,
    ) -> Result<TokensImported, BackendError> {
        self.with_checkpoint(done, self.write_tokens(tokens))
            .await
            .map_err(backend)
    }

    async fn finish(&self, source: &str) -> Result<(), BackendError> {
        IMPORT_FINISH
            .rows(self.client, &[(&source, Type::TEXT)])
            .await
            .map(drop)
            .map_err(backend)
    }

    async fn checkpoint(
        &self,
        source: &str,
        phase: ImportPhase,
    ) -> Result<Option<String>, BackendError> {
        let phase = phase.as_str();
        let rows = IMPORT_CHECKPOINT
            .rows(self.client, &[(&source, Type::TEXT), (&phase, Type::TEXT)])
            .await
            .map_err(backend)?;
        Ok(rows.first().map(|r| r.get(0)))
    }
}
