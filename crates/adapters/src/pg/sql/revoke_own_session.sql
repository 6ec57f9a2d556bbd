-- Revokes the caller's own session ($2) and its refresh tokens. The live check and the
-- revocation are one UPDATE here: a statement cannot update one row twice, so the live CTE of
-- live_session.sql (which marks the caller's row used) would hide that row from
-- revoke_session.sql's own UPDATE, and the session would stay live.
-- $1 user id, $2 session id, $3 idle timeout in seconds (0: off), $4 ip, $5 user agent.
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
SELECT (SELECT count(*) FROM ended)::int8, (SELECT count(*) FROM ended)::int8
