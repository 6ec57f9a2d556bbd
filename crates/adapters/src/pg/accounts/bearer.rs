//! What the bearer of a live session may do: read its user, list and revoke its sessions; and
//! the admin reads (whose caller core authorizes first, through `profile`). Each statement for
//! a bearer starts with the live-session check (`sql/live_session.sql`: `$1` user id, `$2`
//! session id, `$3` idle timeout).

use super::{session_at, user_at, PgAccountStore};
use crate::pg::catalogue::{
    Statement, GET_USER, LIST_USERS, PROFILE, REVOKE_OWN_SESSION, REVOKE_SESSION, SESSIONS,
};
use crate::pg::PgError;
use auth_core::account::{User, UserId};
use auth_core::admin::UserQuery;
use auth_core::ports::{RevokeOutcome, SessionInfo, UserPage};
use auth_core::session::SessionId;
use tokio_postgres::types::{ToSql, Type};
use tokio_postgres::Row;

impl PgAccountStore<'_> {
    /// Runs a statement for the caller's live session, with `more` parameters from `$4` on.
    async fn for_live_session(
        &self,
        statement: &Statement,
        user: &UserId,
        session: &SessionId,
        more: &[(&(dyn ToSql + Sync), Type)],
    ) -> Result<Vec<Row>, PgError> {
        let (user, session) = (user.as_str(), session.as_str());
        let mut params: Vec<(&(dyn ToSql + Sync), Type)> = vec![
            (&user, Type::TEXT),
            (&session, Type::TEXT),
            (&self.idle_secs, Type::FLOAT8),
        ];
        params.extend(more.iter().cloned());
        statement.rows(self.client, &params).await
    }

    pub(super) async fn live_user(
        &self,
        user: &UserId,
        session: &SessionId,
    ) -> Result<Option<User>, PgError> {
        let rows = self.for_live_session(&PROFILE, user, session, &[]).await?;
        rows.first().map(|r| user_at(r, 0)).transpose()
    }

    pub(super) async fn live_sessions(
        &self,
        user: &UserId,
        session: &SessionId,
    ) -> Result<Option<Vec<SessionInfo>>, PgError> {
        let rows = self.for_live_session(&SESSIONS, user, session, &[]).await?;
        // The caller's own session would be in the list were it live.
        if rows.is_empty() {
            return Ok(None);
        }
        let session = |r: &Row| -> Result<SessionInfo, PgError> {
            Ok(SessionInfo {
                id: session_at(r, 0)?,
                created_at: r.get(1),
                last_used_at: r.get(2),
                expires_at: r.get(3),
                user_agent: r.get(4),
                ip: r.get(5),
            })
        };
        rows.iter().map(session).collect::<Result<_, _>>().map(Some)
    }

    pub(super) async fn revoke(
        &self,
        user: &UserId,
        session: &SessionId,
        target: &SessionId,
    ) -> Result<RevokeOutcome, PgError> {
        let rows = if target == session {
            let more: [(&(dyn ToSql + Sync), Type); 2] = [
                (&self.client_ip, Type::TEXT),
                (&self.user_agent, Type::TEXT),
            ];
            self.for_live_session(&REVOKE_OWN_SESSION, user, session, &more)
                .await?
        } else {
            let target = target.as_str();
            let more: [(&(dyn ToSql + Sync), Type); 3] = [
                (&target, Type::TEXT),
                (&self.client_ip, Type::TEXT),
                (&self.user_agent, Type::TEXT),
            ];
            self.for_live_session(&REVOKE_SESSION, user, session, &more)
                .await?
        };
        let Some(row) = rows.first() else {
            return Ok(RevokeOutcome::Unauthenticated);
        };
        Ok(match (row.get::<_, i64>(0), row.get::<_, i64>(1)) {
            (0, _) => RevokeOutcome::Unauthenticated,
            (_, 0) => RevokeOutcome::NotFound,
            _ => RevokeOutcome::Revoked,
        })
    }

    pub(super) async fn user_by_id(&self, id: &UserId) -> Result<Option<User>, PgError> {
        let id = id.as_str();
        let rows = GET_USER.rows(self.client, &[(&id, Type::TEXT)]).await?;
        rows.first().map(|r| user_at(r, 0)).transpose()
    }

    pub(super) async fn page_of_users(&self, q: &UserQuery) -> Result<UserPage, PgError> {
        let (limit, offset) = (i64::from(q.limit), q.offset() as i64);
        let params: [(&(dyn ToSql + Sync), Type); 5] = [
            (&q.phone_like, Type::TEXT),
            (&q.date_from, Type::TEXT),
            (&q.date_to, Type::TEXT),
            (&limit, Type::INT8),
            (&offset, Type::INT8),
        ];
        let rows = LIST_USERS.rows(self.client, &params).await?;
        let total = rows.first().map_or(0, |r| r.get::<_, i64>(0)) as u64;
        let users = rows
            .iter()
            .filter(|r| r.get::<_, Option<String>>(1).is_some())
            .map(|r| user_at(r, 1))
            .collect::<Result<_, _>>()?;
        Ok(UserPage { users, total })
    }
}
