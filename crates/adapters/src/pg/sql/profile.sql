-- The user of a live session (after live_session.sql).
SELECT u.id::text, u.phone, u.scope,
       extract(epoch FROM u.created_at)::int8, extract(epoch FROM u.updated_at)::int8
FROM users u JOIN live ON live.user_id = u.id
WHERE u.id = $1::uuid
