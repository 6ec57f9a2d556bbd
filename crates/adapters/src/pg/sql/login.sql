-- Creates the user if absent, starts a new session and stores its first refresh token's hash, in
-- one statement: one round trip, nothing half-written if anything fails. The session id is
-- freshly minted by the server: a plain INSERT, so an id the user already has (live or
-- revoked) is a primary-key violation, never a revival. Every table is addressed by the user
-- id ($1), so on Citus the statement routes to that user's shard. Data-modifying CTEs all run
-- against one snapshot; foreign keys are checked at the end of the statement, so rows made in
-- one CTE can be referenced by the next.
-- $1 user id, $2 phone, $3 session id, $4 token hash, $5 expiry (unix s), $6 user agent, $7 ip
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
FROM account a
