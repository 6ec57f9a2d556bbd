-- Logout in one statement, on the shard of the user the token names ($1): end the chosen
-- sessions of the token's user and revoke their tokens.
-- $1 user id, $2 token hash, $3 scope (local, others, global), $4 ip, $5 user agent.
-- The scope is compared with =, not a simple CASE on the parameter: Citus deparses
-- `CASE $3 WHEN 'local' ...` for the shard into `text = boolean`, which does not exist.
WITH me AS (
    SELECT session_id FROM refresh_tokens
    WHERE user_id = $1::uuid AND token_hash = $2
      AND revoked_at IS NULL AND used_at IS NULL AND expires_at > now()
), ended AS (
    UPDATE sessions s SET revoked_at = now()
    FROM me
    WHERE s.user_id = $1::uuid AND s.revoked_at IS NULL
      AND (($3 = 'local' AND s.id = me.session_id)
        OR ($3 = 'others' AND s.id <> me.session_id)
        OR $3 = 'global')
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
SELECT (SELECT count(*) FROM me)::int8
