//! A superadmin's block, and an account's deletion (migration 0008): the account write on the
//! user's shard, then, for a deletion, the release of the phone's claim on the phone's shard.

use super::{malformed, user_at, PgAccountStore};
use crate::pg::catalogue::{ADMIN_SET_BLOCKED, DELETE_ACCOUNT, RELEASE_PHONE};
use crate::pg::PgError;
use auth_core::account::UserId;
use auth_core::ports::{BlockChange, DeleteOutcome, Deletion};
use tokio_postgres::types::Type;

impl PgAccountStore<'_> {
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
                DeleteOutcome::Deleted
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
