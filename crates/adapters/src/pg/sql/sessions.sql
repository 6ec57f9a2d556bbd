-- The caller's live sessions (after live_session.sql), newest use first, at most 100, as one
-- row of arrays (one per column, in the same order): no statement answers more than one row
-- (ARCHITECTURE.md, the invariants). The arrays are NULL when the caller's session is not live
-- (a live caller's own session is always in the list).
SELECT array_agg(s.id ORDER BY s.last_used_at DESC, s.id),
       array_agg(extract(epoch FROM s.created_at)::int8 ORDER BY s.last_used_at DESC, s.id),
       array_agg(extract(epoch FROM s.last_used_at)::int8 ORDER BY s.last_used_at DESC, s.id),
       array_agg(extract(epoch FROM s.expires_at)::int8 ORDER BY s.last_used_at DESC, s.id),
       array_agg(s.user_agent ORDER BY s.last_used_at DESC, s.id),
       array_agg(s.ip ORDER BY s.last_used_at DESC, s.id)
FROM (
    SELECT s.id, s.created_at, s.last_used_at, s.expires_at, s.user_agent, s.ip
    FROM sessions s JOIN live ON s.user_id = live.user_id
    WHERE s.user_id = $1::uuid AND s.revoked_at IS NULL AND s.expires_at > now()
    ORDER BY s.last_used_at DESC, s.id
    LIMIT 100
) AS s
