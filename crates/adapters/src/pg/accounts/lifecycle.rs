//! A number change (migration 0009), a superadmin's block and an account's deletion (migration
//! 0008): the account writes on the user's shard, the claims on the phones' shards.

use super::{malformed, user_at, PgAccountStore};
use crate::pg::catalogue::{
    ADMIN_SET_BLOCKED, CLAIM_PHONE, DELETE_ACCOUNT, PHONE_CHANGE_BEGIN, PHONE_CHANGE_FINISH,
    RELEASE_PHONE,
};
use crate::pg::PgError;
use auth_core::domain::account::UserId;
use auth_core::domain::phone::PhoneNumber;
use auth_core::ports::{BlockChange, DeleteOutcome, Deletion, PhoneChange, PhoneChangeOutcome};
use tokio_postgres::types::Type;

impl PgAccountStore<'_> {
    /// Four statements: the change begins (the session checked, the number pending), the new
    /// number is claimed, the change finishes, the old number is released. A fault between
    /// them leaves nothing a login can misuse (migration 0009's stale-claim rule).
    pub(super) async fn change_number(
        &self,
        c: &PhoneChange<'_>,
    ) -> Result<PhoneChangeOutcome, PgError> {
        let (user, session) = (c.user.as_str(), c.session.as_str());
        let new = c.new_phone.as_e164();
        let max_age = f64::from(c.max_auth_age_secs);
        let begun = PHONE_CHANGE_BEGIN
            .row(
                self.client,
                &[
                    (&user, Type::TEXT),
                    (&session, Type::TEXT),
                    (&self.idle_secs, Type::FLOAT8),
                    (&new, Type::TEXT),
                    (&max_age, Type::FLOAT8),
                ],
            )
            .await?;
        match begun.get::<_, &str>(0) {
            "ready" => {}
            "session_gone" => return Ok(PhoneChangeOutcome::SessionGone),
            "not_recent" => return Ok(PhoneChangeOutcome::NotRecent),
            other => return Err(malformed(&format!("change outcome {other:?}"))),
        }
        let claim = CLAIM_PHONE
            .row(self.client, &[(&new, Type::TEXT), (&user, Type::TEXT)])
            .await?;
        if claim.get::<_, &str>(0) != user {
            return Ok(PhoneChangeOutcome::PhoneTaken);
        }
        let revoke = c.revoke_other_sessions;
        let (ip, agent) = (self.client_ip.as_deref(), self.user_agent.as_deref());
        let finished = PHONE_CHANGE_FINISH
            .rows(
                self.client,
                &[
                    (&user, Type::TEXT),
                    (&new, Type::TEXT),
                    (&session, Type::TEXT),
                    (&revoke, Type::BOOL),
                    (&ip, Type::TEXT),
                    (&agent, Type::TEXT),
                ],
            )
            .await?;
        let Some(row) = finished.first() else {
            // Another change of this account ran meanwhile and owns the pending number now.
            self.release_phone(new, c.user).await?;
            return Err(malformed(
                &"a second change of the account's number ran meanwhile",
            ));
        };
        let old: &str = row.get(0);
        let changed = user_at(row, 1)?;
        if old != new {
            self.release_phone(old, c.user).await?;
        }
        let previous = PhoneNumber::parse(old, None).map_err(|e| malformed(&e))?;
        Ok(PhoneChangeOutcome::Changed {
            user: changed,
            previous,
        })
    }

    pub(super) async fn set_blocked(
        &self,
        user: &UserId,
        blocked: bool,
        admin: &UserId,
    ) -> Result<Option<BlockChange>, PgError> {
        let (user, admin) = (user.as_str(), admin.as_str());
        let rows = ADMIN_SET_BLOCKED
            .rows(
                self.client,
                &[
                    (&user, Type::TEXT),
                    (&blocked, Type::BOOL),
                    (&admin, Type::TEXT),
                ],
            )
            .await?;
        let Some(row) = rows.first() else {
            return Ok(None);
        };
        let ended: i64 = row.get(5);
        Ok(Some(BlockChange {
            user: user_at(row, 0)?,
            sessions_ended: u64::try_from(ended).map_err(|e| malformed(&e))?,
        }))
    }

    /// The account write, then the claim's release. A fault between the two leaves a claim
    /// naming the deleted user: the phone's next login releases it (`log_in`).
    pub(super) async fn delete(
        &self,
        user: &UserId,
        by: Deletion<'_>,
    ) -> Result<DeleteOutcome, PgError> {
        let (session, max_age, admin) = match by {
            Deletion::Own {
                session,
                max_auth_age_secs,
            } => (Some(session.as_str()), f64::from(max_auth_age_secs), None),
            Deletion::ByAdmin(admin) => (None, 0.0, Some(admin.as_str())),
        };
        let id = user.as_str();
        let row = DELETE_ACCOUNT
            .row(
                self.client,
                &[
                    (&id, Type::TEXT),
                    (&session, Type::TEXT),
                    (&self.idle_secs, Type::FLOAT8),
                    (&max_age, Type::FLOAT8),
                    (&admin, Type::TEXT),
                ],
            )
            .await?;
        let (outcome, phone): (&str, Option<&str>) = (row.get(0), row.get(1));
        Ok(match (outcome, phone) {
            ("deleted", Some(phone)) => {
                self.release_phone(phone, user).await?;
                let freed = PhoneNumber::parse(phone, None).map_err(|e| malformed(&e))?;
                DeleteOutcome::Deleted { freed }
            }
            ("session_gone", _) => DeleteOutcome::SessionGone,
            ("not_recent", _) => DeleteOutcome::NotRecent,
            ("no_user", _) => DeleteOutcome::NoSuchUser,
            (other, _) => return Err(malformed(&format!("deletion outcome {other:?}"))),
        })
    }

    /// Frees the phone's claim if it still names `user`.
    pub(super) async fn release_phone(&self, phone: &str, user: &UserId) -> Result<(), PgError> {
        let user = user.as_str();
        RELEASE_PHONE
            .rows(self.client, &[(&phone, Type::TEXT), (&user, Type::TEXT)])
            .await?;
        Ok(())
    }
}
