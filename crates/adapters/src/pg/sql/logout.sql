-- Logout in one statement, on the shard of the user the token names ($1): end the chosen
-- sessions of the token's user and revoke their tokens; a rotated token presented again is a
-- reuse and revokes its session instead. Answers (live token?, reused token?) as counts.
-- $1 user id, $2 token hash, $3 scope (local, others, global), $4 ip, $5 user agent.
-- The scope is compared with =, not a simple CASE on the parameter: Citus deparses
-- `CASE $3 WHEN 'local' ...` for the shard into `text = boolean`, which does not exist.
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
       (SELECT count(*) FROM presented WHERE used)::int8
