//! The account store on Postgres: each call is one statement (a login, two), and each hot-path
//! statement addresses every table by its Citus distribution column (see `citus/`).

use super::PgError;
use auth_core::ports::{
    AccountStore, AdminOutcome, AdminRequest, BackendError, LogoutScope, NewLogin, RevokeOutcome,
    Rotation, RotationOutcome, SessionInfo, User, SUPERADMIN,
};
use auth_core::secrets::{PresentedToken, RefreshToken};
use tokio_postgres::types::Type;
use tokio_postgres::Client;

/// The account id of a phone, claiming the candidate id (`$2`) when the phone has none. Routes
/// by the phone (`user_phones` is distributed by it). The no-op update makes a taken phone return
/// its owner, even one claimed by a transaction that committed a moment ago.
const CLAIM_PHONE: &str = "
INSERT INTO user_phones AS p (phone, user_id) VALUES ($1, $2::uuid)
ON CONFLICT (phone) DO UPDATE SET user_id = p.user_id
RETURNING p.user_id::text";

/// Creates the user if absent, starts (or restarts) the session, revokes the session's earlier
/// refresh tokens and stores the new one's hash, in one statement: one round trip, nothing
/// half-written if anything fails. Every table is addressed by the user id (`$1`), so on Citus
/// the statement routes to that user's shard. Data-modifying CTEs all run against one snapshot;
/// foreign keys are checked at the end of the statement, so rows made in one CTE can be
/// referenced by the next.
const LOGIN: &str = "
WITH existing AS (
    SELECT id, phone, scope, created_at, updated_at FROM users WHERE id = $1::uuid
), created AS (
    INSERT INTO users (id, phone)
    SELECT $1::uuid, $2 WHERE NOT EXISTS (SELECT 1 FROM existing)
    RETURNING id, phone, scope, created_at, updated_at
), account AS (
    SELECT id, phone, scope, created_at, updated_at, false AS is_new FROM existing
    UNION ALL
    SELECT id, phone, scope, created_at, updated_at, true AS is_new FROM created
), retired AS (
    UPDATE refresh_tokens SET revoked_at = now()
    WHERE user_id = $1::uuid AND session_id = $3 AND revoked_at IS NULL
    RETURNING 1
), session AS (
    INSERT INTO sessions (id, user_id, expires_at, user_agent, ip)
    VALUES ($3, $1::uuid, to_timestamp($5), $6, $7)
    ON CONFLICT (user_id, id) DO UPDATE
        SET created_at = now(), last_used_at = now(), expires_at = EXCLUDED.expires_at,
            revoked_at = NULL, user_agent = EXCLUDED.user_agent, ip = EXCLUDED.ip
    RETURNING id
), token AS (
    INSERT INTO refresh_tokens (token_hash, user_id, session_id, expires_at)
    SELECT $4, $1::uuid, id, to_timestamp($5) FROM session
    RETURNING 1
), audit AS (
    INSERT INTO audit_events (user_id, event, session_id, ip, user_agent)
    SELECT $1::uuid, 'login', $3, $7, $6
    UNION ALL
    SELECT $1::uuid, 'new_user', $3, $7, $6 FROM created
    RETURNING 1
)
SELECT a.id::text, a.phone, a.scope,
       extract(epoch FROM a.created_at)::int8, extract(epoch FROM a.updated_at)::int8,
       a.is_new
FROM account a";

/// The user of a live session. An UPDATE, not a SELECT: poolers such as Hyperdrive may cache
/// plain reads, and a revoked session must stop working at once. It also records the use.
const PROFILE: &str = "
WITH live AS (
    UPDATE sessions SET last_used_at = now()
    WHERE user_id = $1::uuid AND id = $2 AND revoked_at IS NULL AND expires_at > now()
      AND ($3::float8 = 0 OR last_used_at > now() - make_interval(secs => $3::float8))
    RETURNING user_id
)
SELECT u.id::text, u.phone, u.scope,
       extract(epoch FROM u.created_at)::int8, extract(epoch FROM u.updated_at)::int8
FROM users u JOIN live ON live.user_id = u.id
WHERE u.id = $1::uuid";

/// Refresh-token rotation in one statement, on the shard of the user the token names (`$1`).
///
/// `usable` is the presented token if it is live and so is its session (and it belongs to the
/// named session, when one is named). `rotated` marks it used, only if nobody has: under READ
/// COMMITTED, concurrent rotations of one token queue on its row lock and all but the first find
/// `used_at` set and update nothing. `retry` is a presentation inside the grace window: a token
/// used moments ago, or one that lost such a race, when a grace window is configured. Either way
/// a successor is issued. Otherwise a usable token that did not rotate is a reuse: the session
/// and every token of it are revoked.
const ROTATE: &str = "
WITH presented AS (
    SELECT t.user_id, t.session_id, t.used_at, t.revoked_at, t.expires_at,
           s.revoked_at AS session_revoked, s.expires_at AS session_expires,
           s.last_used_at AS session_used
    FROM refresh_tokens t
    JOIN sessions s ON s.user_id = $1::uuid AND s.id = t.session_id
    WHERE t.user_id = $1::uuid AND t.token_hash = $2
), usable AS (
    SELECT * FROM presented
    WHERE revoked_at IS NULL AND expires_at > now()
      AND session_revoked IS NULL AND session_expires > now()
      AND ($7::float8 = 0 OR session_used > now() - make_interval(secs => $7::float8))
      AND ($4::text IS NULL OR session_id = $4)
), rotated AS (
    UPDATE refresh_tokens t SET used_at = now()
    FROM usable u
    WHERE t.user_id = $1::uuid AND t.token_hash = $2 AND t.used_at IS NULL
    RETURNING t.session_id
), retry AS (
    SELECT session_id FROM usable
    WHERE $6 > 0 AND NOT EXISTS (SELECT 1 FROM rotated)
      AND (used_at IS NULL OR used_at > now() - make_interval(secs => $6))
), successor AS (
    SELECT session_id FROM rotated
    UNION ALL
    SELECT session_id FROM retry
), issued AS (
    INSERT INTO refresh_tokens (token_hash, user_id, session_id, expires_at)
    SELECT $3, $1::uuid, session_id, to_timestamp($5) FROM successor
    RETURNING session_id
), reuse AS (
    UPDATE sessions s SET revoked_at = now()
    FROM usable u
    WHERE s.user_id = $1::uuid AND s.id = u.session_id
      AND NOT EXISTS (SELECT 1 FROM successor)
    RETURNING s.id
), reuse_tokens AS (
    UPDATE refresh_tokens t SET revoked_at = now()
    FROM reuse r
    WHERE t.user_id = $1::uuid AND t.session_id = r.id AND t.revoked_at IS NULL
    RETURNING 1
), touched AS (
    UPDATE sessions s SET last_used_at = now()
    FROM issued i
    WHERE s.user_id = $1::uuid AND s.id = i.session_id
    RETURNING 1
), audit AS (
    INSERT INTO audit_events (user_id, event, session_id, ip, user_agent)
    SELECT $1::uuid, 'refresh', session_id, $8, $9 FROM issued
    UNION ALL
    SELECT $1::uuid, 'reuse_detected', id, $8, $9 FROM reuse
    RETURNING 1
)
SELECT (SELECT count(*) FROM reuse)::int8,
       u.id::text, u.phone, u.scope,
       extract(epoch FROM u.created_at)::int8, extract(epoch FROM u.updated_at)::int8,
       i.session_id
FROM (SELECT 1) AS one
LEFT JOIN issued i ON true
LEFT JOIN users u ON u.id = $1::uuid AND i.session_id IS NOT NULL";

/// Logout in one statement, on the shard of the user the token names (`$1`): end the chosen
/// sessions of the token's user and revoke their tokens.
const LOGOUT: &str = "
WITH me AS (
    SELECT session_id FROM refresh_tokens
    WHERE user_id = $1::uuid AND token_hash = $2
      AND revoked_at IS NULL AND used_at IS NULL AND expires_at > now()
), ended AS (
    UPDATE sessions s SET revoked_at = now()
    FROM me
    WHERE s.user_id = $1::uuid AND s.revoked_at IS NULL
      AND CASE $3 WHEN 'local' THEN s.id = me.session_id
                  WHEN 'others' THEN s.id <> me.session_id
                  ELSE true END
    RETURNING s.id
), revoked AS (
    UPDATE refresh_tokens t SET revoked_at = now()
    FROM ended e
    WHERE t.user_id = $1::uuid AND t.session_id = e.id AND t.revoked_at IS NULL
    RETURNING 1
), audit AS (
    INSERT INTO audit_events (user_id, event, session_id, ip, user_agent, detail)
    SELECT $1::uuid, 'logout', id, $4, $5, $3 FROM ended
    RETURNING 1
)
SELECT (SELECT count(*) FROM me)::int8";

/// The caller's live sessions; the caller's own session must be live (checked as a write, so
/// never from a read cache).
const SESSIONS: &str = "
WITH me AS (
    UPDATE sessions SET last_used_at = now()
    WHERE user_id = $1::uuid AND id = $2 AND revoked_at IS NULL AND expires_at > now()
      AND ($3::float8 = 0 OR last_used_at > now() - make_interval(secs => $3::float8))
    RETURNING user_id
)
SELECT s.id, extract(epoch FROM s.created_at)::int8, extract(epoch FROM s.last_used_at)::int8,
       extract(epoch FROM s.expires_at)::int8, s.user_agent, s.ip
FROM sessions s JOIN me ON s.user_id = me.user_id
WHERE s.user_id = $1::uuid AND s.revoked_at IS NULL AND s.expires_at > now()
ORDER BY s.last_used_at DESC, s.id
LIMIT 100";

/// Revokes one of the caller's sessions and its refresh tokens, if the caller's session is live.
const REVOKE_SESSION: &str = "
WITH me AS (
    UPDATE sessions SET last_used_at = now()
    WHERE user_id = $1::uuid AND id = $2 AND revoked_at IS NULL AND expires_at > now()
      AND ($4::float8 = 0 OR last_used_at > now() - make_interval(secs => $4::float8))
    RETURNING user_id
), ended AS (
    UPDATE sessions s SET revoked_at = now()
    FROM me
    WHERE s.user_id = $1::uuid AND s.id = $3 AND s.revoked_at IS NULL AND s.expires_at > now()
    RETURNING s.id
), revoked AS (
    UPDATE refresh_tokens t SET revoked_at = now()
    FROM ended e
    WHERE t.user_id = $1::uuid AND t.session_id = e.id AND t.revoked_at IS NULL
    RETURNING 1
), audit AS (
    INSERT INTO audit_events (user_id, event, session_id, ip, user_agent, detail)
    SELECT $1::uuid, 'session_revoked', id, $5, $6, 'by session ' || $2 FROM ended
    RETURNING 1
)
SELECT (SELECT count(*) FROM me)::int8, (SELECT count(*) FROM ended)::int8";

/// One page of users, newest first, with the total that matches the filters.
const LIST_USERS: &str = "
WITH filtered AS (
    SELECT id, phone, scope, created_at, updated_at FROM users
    WHERE ($1::text IS NULL OR phone LIKE $1 || '%')
      AND ($2::text IS NULL OR created_at >= $2::text::date)
      AND ($3::text IS NULL OR created_at < $3::text::date + 1)
), page AS (
    SELECT * FROM filtered ORDER BY created_at DESC, id LIMIT $4 OFFSET $5
)
SELECT (SELECT count(*) FROM filtered)::int8,
       p.id::text, p.phone, p.scope,
       extract(epoch FROM p.created_at)::int8, extract(epoch FROM p.updated_at)::int8
FROM (SELECT 1) AS one LEFT JOIN page p ON true
ORDER BY p.created_at DESC, p.id";

const GET_USER: &str = "
SELECT id::text, phone, scope, extract(epoch FROM created_at)::int8, extract(epoch FROM updated_at)::int8
FROM users WHERE id = $1::uuid";

/// SQLSTATE of a unique violation: here, two first logins of one phone at the same instant.
const UNIQUE_VIOLATION: &str = "23505";

pub struct PgAccountStore<'c> {
    client: &'c Client,
    /// Sessions unused for longer than this are dead (0: no idle expiry).
    idle_secs: f64,
    /// The client of the request, for the audit rows the statements write.
    client_ip: Option<String>,
    user_agent: Option<String>,
}

impl<'c> PgAccountStore<'c> {
    pub fn new(client: &'c Client) -> Self {
        Self {
            client,
            idle_secs: 0.0,
            client_ip: None,
            user_agent: None,
        }
    }

    /// Names the request's client (address and user agent) in the audit trail.
    pub fn for_client(mut self, ip: Option<&str>, user_agent: Option<&str>) -> Self {
        self.client_ip = ip.map(str::to_owned);
        self.user_agent = user_agent.map(str::to_owned);
        self
    }

    /// Ends sessions left unused for `secs` seconds (0 turns idle expiry off).
    pub fn with_idle_timeout(mut self, secs: u32) -> Self {
        self.idle_secs = f64::from(secs);
        self
    }

    /// The phone's account id: its owner's, or `candidate` if it had none.
    async fn claim_phone(&self, phone: &str, candidate: &str) -> Result<String, PgError> {
        let rows = self
            .client
            .query_typed(
                CLAIM_PHONE,
                &[(&phone, Type::TEXT), (&candidate, Type::TEXT)],
            )
            .await?;
        let row = rows.first().ok_or_else(|| PgError::Server {
            code: "P0002".into(),
            message: "the phone claim returned no row".into(),
        })?;
        Ok(row.get(0))
    }

    async fn login_once(
        &self,
        l: &NewLogin<'_>,
        user_id: &str,
        token_hash: &[u8; 32],
    ) -> Result<(User, bool), PgError> {
        let phone = l.phone.as_e164();
        let rows = self
            .client
            .query_typed(
                LOGIN,
                &[
                    (&user_id, Type::TEXT),
                    (&phone, Type::TEXT),
                    (&l.session.as_str(), Type::TEXT),
                    (&token_hash.as_slice(), Type::BYTEA),
                    (&(l.refresh_expires_at as f64), Type::FLOAT8),
                    (&l.user_agent, Type::TEXT),
                    (&l.client_ip, Type::TEXT),
                ],
            )
            .await?;
        let row = rows.first().ok_or_else(|| PgError::Server {
            code: "P0002".into(),
            message: "login wrote no account row".into(),
        })?;
        Ok((user_from(row), row.get(5)))
    }
}

fn user_from(row: &tokio_postgres::Row) -> User {
    User {
        id: row.get(0),
        phone: row.get(1),
        scope: row.get(2),
        created_at: row.get(3),
        updated_at: row.get(4),
    }
}

/// A canonical hyphenated UUID: anything else would fail the `::uuid` cast as a server error
/// instead of simply matching nothing.
fn is_uuid(s: &str) -> bool {
    s.len() == 36
        && s.char_indices().all(|(i, c)| {
            if matches!(i, 8 | 13 | 18 | 23) {
                c == '-'
            } else {
                c.is_ascii_hexdigit()
            }
        })
}

impl PgAccountStore<'_> {
    /// Runs a statement whose first CTE checks (and touches) the caller's live session:
    /// `$1` user id, `$2` session id, `$3` the idle timeout.
    async fn for_live_session(
        &self,
        sql: &str,
        user_id: &str,
        session_id: &str,
    ) -> Result<Vec<tokio_postgres::Row>, BackendError> {
        self.client
            .query_typed(
                sql,
                &[
                    (&user_id, Type::TEXT),
                    (&session_id, Type::TEXT),
                    (&self.idle_secs, Type::FLOAT8),
                ],
            )
            .await
            .map_err(|e| backend(e.into()))
    }
}

impl AccountStore for PgAccountStore<'_> {
    async fn rotate(&self, r: &Rotation<'_>) -> Result<RotationOutcome, BackendError> {
        let rows = self
            .client
            .query_typed(
                ROTATE,
                &[
                    (&r.presented.user_id.as_str(), Type::TEXT),
                    (&r.presented.hash.as_slice(), Type::BYTEA),
                    (&r.successor_hash.as_slice(), Type::BYTEA),
                    (&r.session_id, Type::TEXT),
                    (&(r.successor_expires_at as f64), Type::FLOAT8),
                    (&f64::from(r.grace_secs), Type::FLOAT8),
                    (&self.idle_secs, Type::FLOAT8),
                    (&self.client_ip, Type::TEXT),
                    (&self.user_agent, Type::TEXT),
                ],
            )
            .await
            .map_err(|e| backend(e.into()))?;
        let row = rows
            .first()
            .ok_or_else(|| BackendError::Failed("rotation returned no row".into()))?;
        let reused: i64 = row.get(0);
        let user_id: Option<String> = row.get(1);
        Ok(match user_id {
            Some(id) => RotationOutcome::Rotated {
                user: User {
                    id,
                    phone: row.get(2),
                    scope: row.get(3),
                    created_at: row.get(4),
                    updated_at: row.get(5),
                },
                session_id: row.get(6),
            },
            None if reused > 0 => RotationOutcome::Reused,
            None => RotationOutcome::Invalid,
        })
    }

    async fn sessions(
        &self,
        user_id: &str,
        session_id: &str,
    ) -> Result<Option<Vec<SessionInfo>>, BackendError> {
        if !is_uuid(user_id) {
            return Ok(None);
        }
        let rows = self.for_live_session(SESSIONS, user_id, session_id).await?;
        if rows.is_empty() {
            // The caller's own session would be in the list were it live.
            return Ok(None);
        }
        let session = |r: &tokio_postgres::Row| SessionInfo {
            id: r.get(0),
            created_at: r.get(1),
            last_used_at: r.get(2),
            expires_at: r.get(3),
            user_agent: r.get(4),
            ip: r.get(5),
        };
        Ok(Some(rows.iter().map(session).collect()))
    }

    async fn revoke_session(
        &self,
        user_id: &str,
        session_id: &str,
        target: &str,
    ) -> Result<RevokeOutcome, BackendError> {
        if !is_uuid(user_id) {
            return Ok(RevokeOutcome::Unauthenticated);
        }
        let params: [(&(dyn tokio_postgres::types::ToSql + Sync), Type); 6] = [
            (&user_id, Type::TEXT),
            (&session_id, Type::TEXT),
            (&target, Type::TEXT),
            (&self.idle_secs, Type::FLOAT8),
            (&self.client_ip, Type::TEXT),
            (&self.user_agent, Type::TEXT),
        ];
        let rows = self
            .client
            .query_typed(REVOKE_SESSION, &params)
            .await
            .map_err(|e| backend(e.into()))?;
        let row = rows
            .first()
            .ok_or_else(|| BackendError::Failed("revoke returned no row".into()))?;
        Ok(match (row.get::<_, i64>(0), row.get::<_, i64>(1)) {
            (0, _) => RevokeOutcome::Unauthenticated,
            (_, 0) => RevokeOutcome::NotFound,
            _ => RevokeOutcome::Revoked,
        })
    }

    async fn admin(
        &self,
        user_id: &str,
        session_id: &str,
        request: &AdminRequest<'_>,
    ) -> Result<AdminOutcome, BackendError> {
        // Both statements share this one connection: the caller's check, then the request.
        let Some(caller) = self.profile(user_id, session_id).await? else {
            return Ok(AdminOutcome::Unauthenticated);
        };
        if caller.scope != SUPERADMIN {
            return Ok(AdminOutcome::Forbidden);
        }
        match request {
            AdminRequest::Get(id) => {
                if !is_uuid(id) {
                    return Ok(AdminOutcome::User(None));
                }
                let rows = self
                    .client
                    .query_typed(GET_USER, &[(id, Type::TEXT)])
                    .await
                    .map_err(|e| backend(e.into()))?;
                Ok(AdminOutcome::User(rows.first().map(user_from)))
            }
            AdminRequest::List(q) => {
                let (limit, offset) = (i64::from(q.limit), q.offset() as i64);
                let params: [(&(dyn tokio_postgres::types::ToSql + Sync), Type); 5] = [
                    (&q.phone_prefix, Type::TEXT),
                    (&q.date_from, Type::TEXT),
                    (&q.date_to, Type::TEXT),
                    (&limit, Type::INT8),
                    (&offset, Type::INT8),
                ];
                let rows = self
                    .client
                    .query_typed(LIST_USERS, &params)
                    .await
                    .map_err(|e| backend(e.into()))?;
                let total = rows.first().map_or(0, |r| r.get::<_, i64>(0)) as u64;
                let users = rows
                    .iter()
                    .filter(|r| r.get::<_, Option<String>>(1).is_some())
                    .map(|r| User {
                        id: r.get(1),
                        phone: r.get(2),
                        scope: r.get(3),
                        created_at: r.get(4),
                        updated_at: r.get(5),
                    })
                    .collect();
                Ok(AdminOutcome::Users { users, total })
            }
        }
    }

    async fn logout(
        &self,
        token: &PresentedToken,
        scope: LogoutScope,
    ) -> Result<bool, BackendError> {
        let scope = match scope {
            LogoutScope::Local => "local",
            LogoutScope::Others => "others",
            LogoutScope::Global => "global",
        };
        let row = self
            .client
            .query_typed(
                LOGOUT,
                &[
                    (&token.user_id.as_str(), Type::TEXT),
                    (&token.hash.as_slice(), Type::BYTEA),
                    (&scope, Type::TEXT),
                    (&self.client_ip, Type::TEXT),
                    (&self.user_agent, Type::TEXT),
                ],
            )
            .await
            .map_err(|e| backend(e.into()))?;
        Ok(row.first().is_some_and(|r| r.get::<_, i64>(0) > 0))
    }

    async fn profile(&self, user_id: &str, session_id: &str) -> Result<Option<User>, BackendError> {
        if !is_uuid(user_id) {
            return Ok(None);
        }
        let rows = self.for_live_session(PROFILE, user_id, session_id).await?;
        Ok(rows.first().map(user_from))
    }

    /// Two statements, each on one shard when distributed: the phone's claim (by phone), then
    /// the account write (by user id).
    async fn login(&self, login: &NewLogin<'_>) -> Result<(User, bool), BackendError> {
        let user_id = self
            .claim_phone(login.phone.as_e164(), login.new_user_id)
            .await
            .map_err(backend)?;
        let token = RefreshToken::for_user(&user_id, login.refresh_secret)
            .ok_or_else(|| BackendError::Failed("claimed account id is not a UUID".into()))?;
        match self.login_once(login, &user_id, &token.hash).await {
            // A first login of this phone running beside this one made the user; now it is found.
            Err(PgError::Server { code, .. }) if code == UNIQUE_VIOLATION => self
                .login_once(login, &user_id, &token.hash)
                .await
                .map_err(backend),
            other => other.map_err(backend),
        }
    }
}

pub(crate) fn backend(err: PgError) -> BackendError {
    match err {
        PgError::Unavailable(why) => BackendError::Unavailable(why),
        other => BackendError::Failed(other.to_string()),
    }
}

// sqlparser is a native dev-dependency: the check runs with the native tests.
#[cfg(all(test, not(target_arch = "wasm32")))]
mod citus_routing;
