-- A user's live sessions ($1), newest use first, at most 100, for a superadmin (authorized in
-- core first), as one row of arrays like sessions.sql (empty arrays: no live session).
SELECT coalesce(array_agg(s.id ORDER BY s.last_used_at DESC, s.id), '{}'),
       coalesce(array_agg(extract(epoch FROM s.created_at)::int8 ORDER BY s.last_used_at DESC, s.id), '{}'),
       coalesce(array_agg(extract(epoch FROM s.last_used_at)::int8 ORDER BY s.last_used_at DESC, s.id), '{}'),
       coalesce(array_agg(extract(epoch FROM s.expires_at)::int8 ORDER BY s.last_used_at DESC, s.id), '{}'),
       coalesce(array_agg(s.user_agent ORDER BY s.last_used_at DESC, s.id), '{}'),
       coalesce(array_agg(s.ip ORDER BY s.last_used_at DESC, s.id), '{}')
FROM (
    SELECT s.id, s.created_at, s.last_used_at, s.expires_at, s.user_agent, s.ip
    FROM sessions s
    WHERE s.user_id = $1::uuid AND s.revoked_at IS NULL AND s.expires_at > now()
    ORDER BY s.last_used_at DESC, s.id
    LIMIT 100
) AS s
