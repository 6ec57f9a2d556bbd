-- Revokes one of the caller's sessions ($4) and its refresh tokens (after live_session.sql).
-- $5 ip, $6 user agent, for the audit row.
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
SELECT (SELECT count(*) FROM live)::int8, (SELECT count(*) FROM ended)::int8
