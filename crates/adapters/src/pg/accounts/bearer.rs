//! What the bearer of a live session may do: read its user, list and revoke its sessions; and
//! the admin reads (whose caller core authorizes first, through `user_of_session`). Each statement for
//! a bearer starts with the live-session check (`sql/live_session.sql`: `$1` user id, `$2`
//! session id, `$3` idle timeout).

use super::{user_at, PgAccountStore};
use crate::pg::catalogue::{
    Statement, ADMIN_SET_SCOPE, GET_USER, LIST_USERS, PROFILE, REVOKE_OWN_SESSION, REVOKE_SESSION,
    SESSIONS, USER_SESSIONS,
};
use crate::pg::PgError;
use auth_core::domain::account::{Scope, User, UserId};
use auth_core::domain::admin::UserQuery;
use auth_core::domain::session::SessionId;
use auth_core::ports::{RevokeOutcome, SessionInfo, UserPage};
use tokio_postgres::types::{ToSql, Type};
use tokio_postgres::Row;

/// A sessions list answered as one row of arrays in step (id, created, last used, expires, user
/// agent, ip); `None` when the arrays are NULL.
fn sessions_in(row: &Row) -> Result<Option<Vec<SessionInfo>>, PgError> {
    let Some(ids) = row.get::<_, Option<Vec<String>>>(0) else {
        return Ok(None);
    };
    let times = |at: usize| row.get::<_, Vec<i64>>(at);
    let texts = |at: usize| row.get::<_, Vec<Option<String>>>(at);
    let (created, used, expires) = (times(1), times(2), times(3));
    let (agents, ips) = (texts(4), texts(5));
    let mut sessions = Vec::with_capacity(ids.len());
    for (i, id) in ids.iter().enumerate() {
        sessions.push(SessionInfo {
            id: SessionId::parse(id).map_err(|e| super::malformed(&e))?,
            created_at: created[i],
            last_used_at: used[i],
            expires_at: expires[i],
            user_agent: agents[i].clone(),
            ip: ips[i].clone(),
        });
    }
    Ok(Some(sessions))
}

impl PgAccountStore<'_> {
    /// Runs a statement for the caller's live session, with `more` parameters from `$4` on.
    pub(super) async fn for_live_session(
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
        // One row of arrays, NULL when the caller's session is not live (it would be listed).
        rows.first().map_or(Ok(None), sessions_in)
    }

    /// Any user's live sessions, for an admin.
    /// A user's live sessions for a superadmin, audited with the admin.
    pub(super) async fn sessions_of(
        &self,
        user: &UserId,
        admin: &UserId,
    ) -> Result<Vec<SessionInfo>, PgError> {
        let (user, admin) = (user.as_str(), admin.as_str());
        let row = USER_SESSIONS
            .row(self.client, &[(&user, Type::TEXT), (&admin, Type::TEXT)])
            .await?;
        Ok(sessions_in(&row)?.unwrap_or_default())
    }

    /// A superadmin's scope change, audited with the admin.
    pub(super) async fn admin_set_scope(
        &self,
        user: &UserId,
        scope: &Scope,
        admin: &UserId,
    ) -> Result<Option<User>, PgError> {
        let (user, scope, admin) = (user.as_str(), scope.as_str(), admin.as_str());
        let params: [(&(dyn ToSql + Sync), Type); 3] = [
            (&user, Type::TEXT),
            (&scope, Type::TEXT),
            (&admin, Type::TEXT),
        ];
        let rows = ADMIN_SET_SCOPE.rows(self.client, &params).await?;
        rows.first().map(|r| user_at(r, 0)).transpose()
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
        // One row: the total, then the page's users as arrays in step.
        let row = LIST_USERS.row(self.client, &params).await?;
        let total = row.get::<_, i64>(0) as u64;
        let texts = |at: usize| row.get::<_, Vec<String>>(at);
        let times = |at: usize| row.get::<_, Vec<i64>>(at);
        let (ids, phones, scopes) = (texts(1), texts(2), texts(3));
        let (created, updated) = (times(4), times(5));
        let mut users = Vec::with_capacity(ids.len());
        for (i, id) in ids.iter().enumerate() {
            users.push(User {
                id: UserId::parse(id).map_err(|e| super::malformed(&e))?,
                phone: phones[i].clone(),
                scope: Scope::parse(&scopes[i]).map_err(|e| super::malformed(&e))?,
                created_at: created[i],
                updated_at: updated[i],
            });
        }
        Ok(UserPage { users, total })
    }
}
