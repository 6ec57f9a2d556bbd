-- Refresh-token rotation in one statement, on the shard of the user the token names ($1).
--
-- `usable` is the presented token if it is live and so is its session (and it belongs to the
-- named session, when one is named). `rotated` marks it used, only if nobody has: under READ
-- COMMITTED, concurrent rotations of one token queue on its row lock and all but the first find
-- `used_at` set and update nothing. `retry` is a presentation inside the grace window: a token
-- used moments ago, or one that lost such a race, when a grace window is configured. Either way
-- a successor is issued; a retry first revokes the earlier successor and the presented token
-- (`superseded`), so the session never forks and a token is retried once at most. Otherwise a usable token that did not rotate is a reuse: the session
-- and every token of it are revoked.
-- $1 user id, $2 presented hash, $3 successor hash, $4 session id or null, $5 successor expiry
-- (unix s), $6 grace (s), $7 idle timeout (s, 0: off), $8 ip, $9 user agent
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
LEFT JOIN users u ON u.id = $1::uuid AND i.session_id IS NOT NULL
