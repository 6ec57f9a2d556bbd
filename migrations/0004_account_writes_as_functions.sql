-- The account writes that change several rows (a login, a rotation, a logout, a revocation, a
-- scope change) as functions, each one statement with its CTEs, as before. Why functions: on
-- Citus, a statement that modifies rows inside CTEs is planned in steps, one coordinator-to-
-- worker round trip per modifying CTE. A call of a function that citus/distribute.sql
-- distributes by its user-id argument (co-located with users) is delegated whole to the worker
-- holding that user's shards: one task, and the steps run there, next to the data. On a single
-- PostgreSQL the function is simply called. Same statements either way.
--
-- PL/pgSQL, not SQL: Citus cannot plan a SQL-language function's statements that use its
-- parameters ("could not create distributed plan"); PL/pgSQL hands it their values.
-- `#variable_conflict use_column`: a name such as `phone` means the table's column, not the
-- output column of the same name.
--
-- Each function takes the user id as its first argument ($1, the distribution argument) and
-- the statement's other parameters in the order the service sends them. Changing a body is a
-- later migration with CREATE OR REPLACE FUNCTION (Citus propagates it to the workers);
-- changing a signature is a new function, so workers of the previous release keep working
-- until they are replaced.

-- Creates the user if absent, starts a new session and stores its first refresh token's hash, in
-- one statement: one round trip, nothing half-written if anything fails. The session id is
-- freshly minted by the server: a plain INSERT, so an id the user already has (live or
-- revoked) is a primary-key violation, never a revival. Every table is addressed by the user
-- id ($1), so on Citus the statement routes to that user's shard. Data-modifying CTEs all run
-- against one snapshot; foreign keys are checked at the end of the statement, so rows made in
-- one CTE can be referenced by the next.
-- $1 user id, $2 phone, $3 session id, $4 token hash, $5 expiry (unix s), $6 user agent, $7 ip
CREATE FUNCTION account_login(uuid, text, text, bytea, float8, text, text)
RETURNS TABLE (user_id text, phone text, scope text, created_at int8, updated_at int8, is_new boolean)
LANGUAGE plpgsql VOLATILE
AS $$
#variable_conflict use_column
BEGIN
    RETURN QUERY
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
    ), session AS (
        INSERT INTO sessions (id, user_id, expires_at, user_agent, ip)
        VALUES ($3, $1::uuid, to_timestamp($5), $6, $7)
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
    FROM account a;
END
$$;

-- Refresh-token rotation in one statement, on the shard of the user the token names ($1).
--
-- `usable` is the presented token if it is live and so is its session (and it belongs to the
-- named session, when one is named). `rotated` marks it used, only if nobody has: under READ
-- COMMITTED, concurrent rotations of one token queue on its row lock and all but the first find
-- `used_at` set and update nothing. `retry` is a presentation inside the grace window: a token
-- used moments ago, or one that lost such a race, when a grace window is configured. Either way
-- a successor is issued; a retry first revokes the earlier successor and the presented token
-- (`superseded`), so the session never forks and a token is retried once at most. Otherwise a
-- usable token that did not rotate is a reuse: the session and every token of it are revoked.
-- $1 user id, $2 presented hash, $3 successor hash, $4 session id or null, $5 successor expiry
-- (unix s), $6 grace (s), $7 idle timeout (s, 0: off), $8 ip, $9 user agent
CREATE FUNCTION account_rotate(uuid, bytea, bytea, text, float8, float8, float8, text, text)
RETURNS TABLE (reused int8, user_id text, phone text, scope text, created_at int8, updated_at int8, session_id text, expires_at int8)
LANGUAGE plpgsql VOLATILE
AS $$
#variable_conflict use_column
BEGIN
    RETURN QUERY
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
    ), superseded AS (
        -- A retry keeps one live chain: the successor the first presentation got is revoked, and
        -- so is the presented token, so a token is retried at most once.
        UPDATE refresh_tokens t SET revoked_at = now()
        FROM retry r
        WHERE t.user_id = $1::uuid AND t.session_id = r.session_id AND t.revoked_at IS NULL
          AND (t.token_hash = $2 OR t.used_at IS NULL)
        RETURNING 1
    ), successor AS (
        SELECT session_id FROM rotated
        UNION ALL
        SELECT session_id FROM retry
    ), issued AS (
        -- The successor never outlives its session: a refresh does not extend a session's end.
        INSERT INTO refresh_tokens (token_hash, user_id, session_id, expires_at)
        SELECT $3, $1::uuid, s.session_id, least(to_timestamp($5), u.session_expires)
        FROM successor s, usable u
        RETURNING session_id, expires_at
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
           i.session_id, extract(epoch FROM i.expires_at)::int8
    FROM (SELECT 1) AS one
    LEFT JOIN issued i ON true
    LEFT JOIN users u ON u.id = $1::uuid AND i.session_id IS NOT NULL;
END
$$;

-- Logout in one statement, on the shard of the user the token names ($1): end the chosen
-- sessions of the token's user and revoke their tokens; a rotated token presented again is a
-- reuse and revokes its session instead. Answers (live token?, reused token?) as counts.
-- $1 user id, $2 token hash, $3 scope (local, others, global), $4 ip, $5 user agent.
-- The scope is compared with =, not a simple CASE on the parameter: Citus deparses
-- `CASE $3 WHEN 'local' ...` for the shard into `text = boolean`, which does not exist.
CREATE FUNCTION account_logout(uuid, bytea, text, text, text)
RETURNS TABLE (live int8, reused int8)
LANGUAGE plpgsql VOLATILE
AS $$
#variable_conflict use_column
BEGIN
    RETURN QUERY
    WITH presented AS (
        SELECT session_id, used_at IS NOT NULL AS used FROM refresh_tokens
        WHERE user_id = $1::uuid AND token_hash = $2
          AND revoked_at IS NULL AND expires_at > now()
    ), chosen AS (
        -- A token that was already rotated and comes back is a reuse, as on the refresh path:
        -- its own session ends, whatever scope was asked.
        SELECT session_id, CASE WHEN used THEN 'reuse' ELSE $3 END AS ends FROM presented
    ), ended AS (
        UPDATE sessions s SET revoked_at = now()
        FROM chosen c
        WHERE s.user_id = $1::uuid AND s.revoked_at IS NULL
          AND ((c.ends IN ('local', 'reuse') AND s.id = c.session_id)
            OR (c.ends = 'others' AND s.id <> c.session_id)
            OR c.ends = 'global')
        RETURNING s.id
    ), revoked AS (
        UPDATE refresh_tokens t SET revoked_at = now()
        FROM ended e
        WHERE t.user_id = $1::uuid AND t.session_id = e.id AND t.revoked_at IS NULL
        RETURNING 1
    ), audit AS (
        INSERT INTO audit_events (user_id, event, session_id, ip, user_agent, detail)
        SELECT $1::uuid, CASE WHEN c.ends = 'reuse' THEN 'reuse_detected' ELSE 'logout' END,
               e.id, $4, $5, $3
        FROM ended e, chosen c
        RETURNING 1
    )
    SELECT (SELECT count(*) FROM presented WHERE NOT used)::int8,
           (SELECT count(*) FROM presented WHERE used)::int8;
END
$$;

-- The caller's live session, checked and marked used: $1 user id, $2 session id, $3 idle timeout
-- in seconds (0: off). An UPDATE, not a SELECT: poolers such as Hyperdrive may cache plain
-- reads, and a revoked session must stop working at once. Every statement that acts for a
-- bearer starts with this CTE (catalogue.rs joins it in front of the statement's own text).
-- Revokes one of the caller's sessions ($4) and its refresh tokens (after live_session.sql).
-- $5 ip, $6 user agent, for the audit row.
CREATE FUNCTION account_revoke_session(uuid, text, float8, text, text, text)
RETURNS TABLE (live int8, ended int8)
LANGUAGE plpgsql VOLATILE
AS $$
#variable_conflict use_column
BEGIN
    RETURN QUERY
    WITH live AS (
        UPDATE sessions SET last_used_at = now()
        WHERE user_id = $1::uuid AND id = $2 AND revoked_at IS NULL AND expires_at > now()
          AND ($3::float8 = 0 OR last_used_at > now() - make_interval(secs => $3::float8))
        RETURNING user_id
    )
    , ended AS (
        UPDATE sessions s SET revoked_at = now()
        FROM live
        WHERE s.user_id = $1::uuid AND s.id = $4 AND s.revoked_at IS NULL AND s.expires_at > now()
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
    SELECT (SELECT count(*) FROM live)::int8, (SELECT count(*) FROM ended)::int8;
END
$$;

-- Revokes the caller's own session ($2) and its refresh tokens. The live check and the
-- revocation are one UPDATE here: a statement cannot update one row twice, so the live CTE of
-- live_session.sql (which marks the caller's row used) would hide that row from
-- revoke_session.sql's own UPDATE, and the session would stay live.
-- $1 user id, $2 session id, $3 idle timeout in seconds (0: off), $4 ip, $5 user agent.
CREATE FUNCTION account_revoke_own_session(uuid, text, float8, text, text)
RETURNS TABLE (live int8, ended int8)
LANGUAGE plpgsql VOLATILE
AS $$
#variable_conflict use_column
BEGIN
    RETURN QUERY
    WITH ended AS (
        UPDATE sessions SET revoked_at = now()
        WHERE user_id = $1::uuid AND id = $2 AND revoked_at IS NULL AND expires_at > now()
          AND ($3::float8 = 0 OR last_used_at > now() - make_interval(secs => $3::float8))
        RETURNING id
    ), revoked AS (
        UPDATE refresh_tokens t SET revoked_at = now()
        FROM ended e
        WHERE t.user_id = $1::uuid AND t.session_id = e.id AND t.revoked_at IS NULL
        RETURNING 1
    ), audit AS (
        INSERT INTO audit_events (user_id, event, session_id, ip, user_agent, detail)
        SELECT $1::uuid, 'session_revoked', id, $4, $5, 'by itself' FROM ended
        RETURNING 1
    )
    SELECT (SELECT count(*) FROM ended)::int8, (SELECT count(*) FROM ended)::int8;
END
$$;

-- The operator's scope change of one user ($1) to $2, with its audit row. Routes by the user id.
CREATE FUNCTION account_set_scope(uuid, text)
RETURNS TABLE (user_id text)
LANGUAGE plpgsql VOLATILE
AS $$
#variable_conflict use_column
BEGIN
    RETURN QUERY
    WITH changed AS (
        UPDATE users SET scope = $2, updated_at = now()
        WHERE id = $1::uuid
        RETURNING id
    ), audit AS (
        INSERT INTO audit_events (user_id, event, detail)
        SELECT $1::uuid, 'scope_changed', 'scope set to ' || quote_literal($2) || ' by the operator'
        FROM changed
        RETURNING 1
    )
    SELECT id::text FROM changed;
END
$$;
