-- Deletes a user ($1), with their passkeys: by the user, from a live session ($2, with the live-session check's
-- words; $3 the idle timeout in seconds, 0: off) that logged in at most $4 seconds ago; or by a
-- superadmin ($2 NULL, $5 the admin, authorized by the caller). Answers one row: `outcome`
-- ('deleted', 'session_gone', 'not_recent' or 'no_user') and, when deleted, the phone whose
-- claim the caller releases next.
CREATE OR REPLACE FUNCTION account_delete(uuid, text, float8, float8, uuid)
RETURNS TABLE (outcome text, phone text)
LANGUAGE plpgsql VOLATILE
AS $$
#variable_conflict use_column
DECLARE
    v_session text;
    v_phone text;
    v_detail text := CASE WHEN $2 IS NULL THEN 'by an admin' ELSE 'by the user' END;
BEGIN
    IF $2 IS NOT NULL THEN
        v_session := account_recent_session($1::uuid, $2, $3, $4);
        IF v_session <> 'recent' THEN
            RETURN QUERY SELECT v_session, NULL::text;
            RETURN;
        END IF;
    END IF;
    -- Sessions and refresh tokens go with the row (ON DELETE CASCADE).
    DELETE FROM users WHERE id = $1::uuid RETURNING phone INTO v_phone;
    IF v_phone IS NULL THEN
        RETURN QUERY SELECT 'no_user'::text, NULL::text;
        RETURN;
    END IF;
    -- Passkeys have no foreign key to cascade (migration 0011): removed here.
    DELETE FROM passkeys WHERE user_id = $1::uuid;
    UPDATE audit_events SET ip = NULL, user_agent = NULL
    WHERE user_id = $1::uuid AND (ip IS NOT NULL OR user_agent IS NOT NULL);
    INSERT INTO deleted_users (id) VALUES ($1::uuid) ON CONFLICT (id) DO NOTHING;
    INSERT INTO audit_events (user_id, event, detail, actor_id)
    VALUES ($1::uuid, 'deleted', v_detail, $5);
    RETURN QUERY SELECT 'deleted'::text, v_phone;
END
$$;
