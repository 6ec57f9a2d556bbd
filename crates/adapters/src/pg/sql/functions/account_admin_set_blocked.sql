-- A superadmin blocks ($2 true) or unblocks ($2 false) a user ($1), audited with the admin
-- ($3). Blocking revokes every session of the user and its refresh tokens. A user already in
-- the asked state is left alone (no audit row). Answers the user and how many sessions ended;
-- no row when there is no such user.
CREATE OR REPLACE FUNCTION account_admin_set_blocked(uuid, boolean, uuid)
RETURNS TABLE (user_id text, phone text, scope text, created_at int8, updated_at int8,
               sessions_ended int8)
LANGUAGE plpgsql VOLATILE
AS $$
#variable_conflict use_column
DECLARE
    v_id uuid;
    v_changed uuid;
    v_ended int8 := 0;
    v_event text := CASE WHEN $2 THEN 'blocked' ELSE 'unblocked' END;
BEGIN
    SELECT u.id INTO v_id FROM users u WHERE u.id = $1::uuid FOR UPDATE;
    IF v_id IS NULL THEN
        RETURN;
    END IF;
    IF $2 THEN
        UPDATE users SET blocked_at = now(), updated_at = now()
        WHERE id = $1::uuid AND blocked_at IS NULL
        RETURNING id INTO v_changed;
        UPDATE sessions SET revoked_at = now()
        WHERE user_id = $1::uuid AND revoked_at IS NULL AND expires_at > now();
        GET DIAGNOSTICS v_ended = ROW_COUNT;
        UPDATE refresh_tokens SET revoked_at = now()
        WHERE user_id = $1::uuid AND revoked_at IS NULL;
    ELSE
        UPDATE users SET blocked_at = NULL, updated_at = now()
        WHERE id = $1::uuid AND blocked_at IS NOT NULL
        RETURNING id INTO v_changed;
    END IF;
    IF v_changed IS NOT NULL THEN
        INSERT INTO audit_events (user_id, event, detail, actor_id)
        VALUES ($1::uuid, v_event, 'by an admin', $3);
    END IF;
    RETURN QUERY
    SELECT u.id::text, u.phone, u.scope,
           extract(epoch FROM u.created_at)::int8, extract(epoch FROM u.updated_at)::int8,
           v_ended
    FROM users u WHERE u.id = $1::uuid;
END
$$;
