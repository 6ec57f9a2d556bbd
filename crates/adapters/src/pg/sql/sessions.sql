-- The caller's live sessions (after live_session.sql), newest use first.
SELECT s.id, extract(epoch FROM s.created_at)::int8, extract(epoch FROM s.last_used_at)::int8,
       extract(epoch FROM s.expires_at)::int8, s.user_agent, s.ip
FROM sessions s JOIN live ON s.user_id = live.user_id
WHERE s.user_id = $1::uuid AND s.revoked_at IS NULL AND s.expires_at > now()
ORDER BY s.last_used_at DESC, s.id
LIMIT 100
