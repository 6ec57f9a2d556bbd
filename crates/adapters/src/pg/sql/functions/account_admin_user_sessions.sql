-- A superadmin reads a user's ($1) live sessions, newest use first, at most 100, as one row of
-- arrays (empty: no live session); the audit row names the admin ($2). A write, so Hyperdrive
-- never answers it from its cache. No audit row when there is no such user.
CREATE OR REPLACE FUNCTION account_admin_user_sessions(uuid, uuid)
RETURNS TABLE (ids text[], created int8[], used int8[], expires int8[], agents text[],
               ips text[])
LANGUAGE plpgsql VOLATILE
AS $$
#variable_conflict use_column
DECLARE
    v_id uuid;
BEGIN
    SELECT u.id INTO v_id FROM users u WHERE u.id = $1::uuid;
    IF v_id IS NOT NULL THEN
        INSERT INTO audit_events (user_id, event, detail, actor_id)
        VALUES ($1::uuid, 'sessions_viewed', 'by an admin', $2);
    END IF;
    RETURN QUERY
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
    ) AS s;
END
$$;
