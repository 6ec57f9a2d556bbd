//! What the bearer of a live session may do: read its user, list and revoke its sessions, and
//! for a superadmin, the admin requests. Each statement starts with the live-session check
//! (`sql/live_session.sql`: `$1` user id, `$2` session id, `$3` idle timeout).

use super::{is_uuid, user_at, PgAccountStore};
use crate::pg::catalogue::{Statement, GET_USER, LIST_USERS, PROFILE, REVOKE_SESSION, SESSIONS};
use crate::pg::PgError;
use auth_core::ports::{AdminOutcome, AdminRequest, RevokeOutcome, SessionInfo, User, SUPERADMIN};
use tokio_postgres::types::{ToSql, Type};
use tokio_postgres::Row;

impl PgAccountStore<'_> {
    /// Runs a statement for the caller's live session, with `more` parameters from `$4` on.
    /// An id that is not a UUID has no session: no rows, and no round trip.
    async fn for_live_session(
        &self,
        statement: &Statement,
        user_id: &str,
        session_id: &str,
        more: &[(&(dyn ToSql + Sync), Type)],
    ) -> Result<Option<Vec<Row>>, PgError> {
        if !is_uuid(user_id) {
            return Ok(None);
        }
        let mut params: Vec<(&(dyn ToSql + Sync), Type)> = vec![
            (&user_id, Type::TEXT),
            (&session_id, Type::TEXT),
            (&self.idle_secs, Type::FLOAT8),
        ];
        params.extend(more.iter().cloned());
        statement.rows(self.client, &params).await.map(Some)
    }

    pub(super) async fn live_user(
        &self,
        user_id: &str,
        session_id: &str,
    ) -> Result<Option<User>, PgError> {
        let rows = self
            .for_live_session(&PROFILE, user_id, session_id, &[])
            .await?;
        Ok(rows.and_then(|rows| rows.first().map(|r| user_at(r, 0))))
    }

    pub(super) async fn live_sessions(
        &self,
        user_id: &str,
        session_id: &str,
    ) -> Result<Option<Vec<SessionInfo>>, PgError> {
        let rows = self
            .for_live_session(&SESSIONS, user_id, session_id, &[])
            .await?
            .unwrap_or_default();
        // The caller's own session would be in the list were it live.
        if rows.is_empty() {
            return Ok(None);
        }
        let session = |r: &Row| SessionInfo {
            id: r.get(0),
            created_at: r.get(1),
            last_used_at: r.get(2),
            expires_at: r.get(3),
            user_agent: r.get(4),
            ip: r.get(5),
        };
        Ok(Some(rows.iter().map(session).collect()))
    }

    pub(super) async fn revoke(
        &self,
        user_id: &str,
        session_id: &str,
        target: &str,
    ) -> Result<RevokeOutcome, PgError> {
        let more: [(&(dyn ToSql + Sync), Type); 3] = [
            (&target, Type::TEXT),
            (&self.client_ip, Type::TEXT),
            (&self.user_agent, Type::TEXT),
        ];
        let rows = self
            .for_live_session(&REVOKE_SESSION, user_id, session_id, &more)
            .await?;
        let Some(row) = rows.as_deref().and_then(<[Row]>::first) else {
            return Ok(RevokeOutcome::Unauthenticated);
        };
        Ok(match (row.get::<_, i64>(0), row.get::<_, i64>(1)) {
            (0, _) => RevokeOutcome::Unauthenticated,
            (_, 0) => RevokeOutcome::NotFound,
            _ => RevokeOutcome::Revoked,
        })
    }

    /// Both statements share this one connection: the caller's check, then the request.
    pub(super) async fn for_admin(
        &self,
        user_id: &str,
        session_id: &str,
        request: &AdminRequest<'_>,
    ) -> Result<AdminOutcome, PgError> {
        let Some(caller) = self.live_user(user_id, session_id).await? else {
            return Ok(AdminOutcome::Unauthenticated);
        };
        if caller.scope != SUPERADMIN {
            return Ok(AdminOutcome::Forbidden);
        }
        match request {
            AdminRequest::Get(id) if !is_uuid(id) => Ok(AdminOutcome::User(None)),
            AdminRequest::Get(id) => {
                let rows = GET_USER.rows(self.client, &[(id, Type::TEXT)]).await?;
                Ok(AdminOutcome::User(rows.first().map(|r| user_at(r, 0))))
            }
            AdminRequest::List(q) => {
                let (limit, offset) = (i64::from(q.limit), q.offset() as i64);
                let params: [(&(dyn ToSql + Sync), Type); 5] = [
                    (&q.phone_prefix, Type::TEXT),
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
                    .collect();
                Ok(AdminOutcome::Users { users, total })
            }
        }
    }
}
