//! The passkeys of the account store (migration 0011): a registration, a sign-in and a removal
//! are each one account function call (`sql/functions/account_add_passkey.sql`,
//! `account_passkey_sign_in.sql`, `account_remove_passkey.sql`); the key for a sign-in's
//! signature and the caller's list are one statement each.

use super::{backend, malformed, user_at, PgAccountStore};
use crate::pg::catalogue::{ADD_PASSKEY, PASSKEYS, PASSKEY_KEY, PASSKEY_SIGN_IN, REMOVE_PASSKEY};
use crate::pg::PgError;
use auth_core::domain::account::UserId;
use auth_core::domain::passkey::CredentialId;
use auth_core::domain::session::SessionId;
use auth_core::ports::{
    BackendError, NewPasskey, PasskeyAdded, PasskeyInfo, PasskeyList, PasskeyRemoval,
    PasskeySignIn, PasskeySignInOutcome, PasskeyStore, StoredKey,
};
use tokio_postgres::types::Type;
use tokio_postgres::Row;

/// Transports travel as one comma-separated text ("internal,hybrid").
fn joined(transports: &[String]) -> String {
    transports.join(",")
}

fn split(transports: &str) -> Vec<String> {
    transports
        .split(',')
        .filter(|t| !t.is_empty())
        .map(str::to_owned)
        .collect()
}

/// A sign count read back: the table holds it in 0..=u32::MAX.
fn count_at(value: i64) -> Result<u32, PgError> {
    u32::try_from(value).map_err(|e| malformed(&e))
}

/// The list, answered as one row: `live`, the user's number, then arrays in step (credential
/// id, name, transports, created, last used), NULL when there is nothing to list.
fn passkeys_in(row: &Row) -> Result<Option<PasskeyList>, PgError> {
    let (live, phone): (i64, Option<String>) = (row.get(0), row.get(1));
    let Some(phone) = phone.filter(|_| live > 0) else {
        return Ok(None);
    };
    let Some(ids) = row.get::<_, Option<Vec<Vec<u8>>>>(2) else {
        return Ok(Some(PasskeyList {
            phone,
            passkeys: Vec::new(),
        }));
    };
    let names: Vec<String> = row.get(3);
    let transports: Vec<String> = row.get(4);
    let created: Vec<i64> = row.get(5);
    let used: Vec<Option<i64>> = row.get(6);
    let mut listed = Vec::with_capacity(ids.len());
    for (i, id) in ids.iter().enumerate() {
        listed.push(PasskeyInfo {
            credential: CredentialId::from_bytes(id).map_err(|e| malformed(&e))?,
            name: names[i].clone(),
            transports: split(&transports[i]),
            created_at: created[i],
            last_used_at: used[i],
        });
    }
    Ok(Some(PasskeyList {
        phone,
        passkeys: listed,
    }))
}

impl PgAccountStore<'_> {
    async fn add(&self, p: &NewPasskey<'_>) -> Result<PasskeyAdded, PgError> {
        let max_age = f64::from(p.max_auth_age_secs);
        let credential = p.credential.as_bytes();
        let (count, max) = (i64::from(p.sign_count), i64::from(p.max_passkeys));
        let (transports, name) = (joined(p.transports), p.name.as_str());
        let (ip, agent) = (self.client_ip.as_deref(), self.user_agent.as_deref());
        let rows = self
            .for_live_session(
                &ADD_PASSKEY,
                p.user,
                p.session,
                &[
                    (&max_age, Type::FLOAT8),
                    (&credential, Type::BYTEA),
                    (&p.public_key, Type::BYTEA),
                    (&p.algorithm, Type::INT8),
                    (&count, Type::INT8),
                    (&transports, Type::TEXT),
                    (&name, Type::TEXT),
                    (&max, Type::INT8),
                    (&ip, Type::TEXT),
                    (&agent, Type::TEXT),
                ],
            )
            .await?;
        let row = rows
            .first()
            .ok_or_else(|| malformed(&"no registration outcome"))?;
        let (outcome, created): (&str, Option<i64>) = (row.get(0), row.get(1));
        Ok(match (outcome, created) {
            ("added", Some(created_at)) => PasskeyAdded::Added(PasskeyInfo {
                credential: p.credential.clone(),
                name: name.to_owned(),
                transports: p.transports.to_vec(),
                created_at,
                last_used_at: None,
            }),
            ("session_gone", _) => PasskeyAdded::SessionGone,
            ("not_recent", _) => PasskeyAdded::NotRecent,
            ("exists", _) => PasskeyAdded::AlreadyRegistered,
            ("too_many", _) => PasskeyAdded::TooMany,
            (other, _) => return Err(malformed(&format!("registration outcome {other:?}"))),
        })
    }

    async fn key_of(
        &self,
        user: &UserId,
        credential: &CredentialId,
    ) -> Result<Option<StoredKey>, PgError> {
        let (user, credential) = (user.as_str(), credential.as_bytes());
        let rows = PASSKEY_KEY
            .rows(
                self.client,
                &[(&user, Type::TEXT), (&credential, Type::BYTEA)],
            )
            .await?;
        Ok(rows.first().map(|row| StoredKey {
            public_key: row.get(0),
            algorithm: row.get(1),
        }))
    }

    async fn sign_in(&self, s: &PasskeySignIn<'_>) -> Result<PasskeySignInOutcome, PgError> {
        let (user, credential) = (s.user.as_str(), s.credential.as_bytes());
        let (count, session) = (i64::from(s.sign_count), s.session.as_str());
        let (hash, expires) = (s.refresh_hash.as_slice(), s.refresh_expires_at as f64);
        let row = PASSKEY_SIGN_IN
            .row(
                self.client,
                &[
                    (&user, Type::TEXT),
                    (&credential, Type::BYTEA),
                    (&count, Type::INT8),
                    (&session, Type::TEXT),
                    (&hash, Type::BYTEA),
                    (&expires, Type::FLOAT8),
                    (&s.user_agent, Type::TEXT),
                    (&s.client_ip, Type::TEXT),
                ],
            )
            .await?;
        let refusal: Option<&str> = row.get(5);
        Ok(match refusal {
            None => PasskeySignInOutcome::SignedIn(user_at(&row, 0)?),
            Some("blocked") => PasskeySignInOutcome::Blocked(user_at(&row, 0)?),
            Some("rollback") => PasskeySignInOutcome::Rollback {
                stored: count_at(row.get(6))?,
            },
            Some("unknown") => PasskeySignInOutcome::Unknown,
            Some(other) => return Err(malformed(&format!("sign-in refusal {other:?}"))),
        })
    }

    async fn listed(
        &self,
        user: &UserId,
        session: &SessionId,
    ) -> Result<Option<PasskeyList>, PgError> {
        let rows = self.for_live_session(&PASSKEYS, user, session, &[]).await?;
        rows.first().map_or(Ok(None), passkeys_in)
    }

    async fn remove(
        &self,
        user: &UserId,
        session: &SessionId,
        max_auth_age_secs: u32,
        credential: &CredentialId,
    ) -> Result<PasskeyRemoval, PgError> {
        let max_age = f64::from(max_auth_age_secs);
        let credential = credential.as_bytes();
        let (ip, agent) = (self.client_ip.as_deref(), self.user_agent.as_deref());
        let rows = self
            .for_live_session(
                &REMOVE_PASSKEY,
                user,
                session,
                &[
                    (&max_age, Type::FLOAT8),
                    (&credential, Type::BYTEA),
                    (&ip, Type::TEXT),
                    (&agent, Type::TEXT),
                ],
            )
            .await?;
        let outcome: Option<&str> = rows.first().map(|r| r.get(0));
        Ok(match outcome {
            Some("removed") => PasskeyRemoval::Removed,
            Some("not_found") => PasskeyRemoval::NotFound,
            Some("session_gone") => PasskeyRemoval::SessionGone,
            Some("not_recent") => PasskeyRemoval::NotRecent,
            other => return Err(malformed(&format!("removal outcome {other:?}"))),
        })
    }
}

impl PasskeyStore for PgAccountStore<'_> {
    async fn add_passkey(&self, passkey: &NewPasskey<'_>) -> Result<PasskeyAdded, BackendError> {
        self.add(passkey).await.map_err(backend)
    }

    async fn passkey_key(
        &self,
        user: &UserId,
        credential: &CredentialId,
    ) -> Result<Option<StoredKey>, BackendError> {
        self.key_of(user, credential).await.map_err(backend)
    }

    async fn sign_in_with_passkey(
        &self,
        sign_in: &PasskeySignIn<'_>,
    ) -> Result<PasskeySignInOutcome, BackendError> {
        self.sign_in(sign_in).await.map_err(backend)
    }

    async fn passkeys(
        &self,
        user: &UserId,
        session: &SessionId,
    ) -> Result<Option<PasskeyList>, BackendError> {
        self.listed(user, session).await.map_err(backend)
    }

    async fn remove_passkey(
        &self,
        user: &UserId,
        session: &SessionId,
        max_auth_age_secs: u32,
        credential: &CredentialId,
    ) -> Result<PasskeyRemoval, BackendError> {
        self.remove(user, session, max_auth_age_secs, credential)
            .await
            .map_err(backend)
    }
}
