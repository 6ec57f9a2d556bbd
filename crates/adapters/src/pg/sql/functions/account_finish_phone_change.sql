-- A number change finishes (its third statement), once the new number ($2) is claimed for the
-- user ($1): the pending number becomes the user's; with $4 every session but the caller's ($3)
-- ends with its tokens; the audit row carries the caller's address ($5) and user agent ($6),
-- never the numbers. Answers the old number and the user as changed; no row when the pending
-- number is no longer $2 (a second change of the same account ran meanwhile).
CREATE OR REPLACE FUNCTION account_finish_phone_change(uuid, text, text, boolean, text, text)
RETURNS TABLE (old_phone text, user_id text, phone text, scope text, created_at int8,
               updated_at int8)
LANGUAGE plpgsql VOLATILE
AS $$
#variable_conflict use_column
DECLARE
    v_old text;
    v_changed uuid;
    v_detail text := CASE WHEN $4 THEN 'other sessions ended' ELSE 'other sessions kept' END;
BEGIN
    SELECT u.phone INTO v_old FROM users u WHERE u.id = $1::uuid FOR UPDATE;
    UPDATE users SET phone = $2, pending_phone = NULL, updated_at = now()
    WHERE id = $1::uuid AND pending_phone = $2
    RETURNING id INTO v_changed;
    IF v_changed IS NULL THEN
        RETURN;
    END IF;
    IF $4 THEN
        UPDATE sessions SET revoked_at = now()
        WHERE user_id = $1::uuid AND id <> $3 AND revoked_at IS NULL;
        UPDATE refresh_tokens SET revoked_at = now()
        WHERE user_id = $1::uuid AND session_id <> $3 AND revoked_at IS NULL;
    END IF;
    INSERT INTO audit_events (user_id, event, session_id, ip, user_agent, detail)
    VALUES ($1::uuid, 'phone_changed', $3, $5, $6, v_detail);
    RETURN QUERY
    SELECT v_old, u.id::text, u.phone, u.scope,
           extract(epoch FROM u.created_at)::int8, extract(epoch FROM u.updated_at)::int8
    FROM users u WHERE u.id = $1::uuid;
END
$$;
