-- Removes one of a user's passkeys ($1 user id, $4 credential id) from their live session ($2;
-- $3 idle timeout in seconds, 0: off); $5 ip, $6 user agent. A live session is enough, not a
-- recent login: a removal gives a thief nothing to sign in with, where a registration would.
-- Answers one row: `outcome` ('removed', 'not_found' or 'session_gone').
CREATE OR REPLACE FUNCTION account_remove_passkey(uuid, text, float8, bytea, text, text)
RETURNS TABLE (outcome text)
LANGUAGE plpgsql VOLATILE
AS $$
#variable_conflict use_column
DECLARE
    v_login timestamptz;
    v_removed bytea;
BEGIN
    UPDATE sessions SET last_used_at = now()
    WHERE user_id = $1::uuid AND id = $2 AND revoked_at IS NULL AND expires_at > now()
      AND ($3::float8 = 0 OR last_used_at > now() - make_interval(secs => $3::float8))
    RETURNING created_at INTO v_login;
    IF v_login IS NULL THEN
        RETURN QUERY SELECT 'session_gone'::text;
        RETURN;
    END IF;
    DELETE FROM passkeys WHERE user_id = $1::uuid AND credential_id = $4
    RETURNING credential_id INTO v_removed;
    IF v_removed IS NULL THEN
        RETURN QUERY SELECT 'not_found'::text;
        RETURN;
    END IF;
    INSERT INTO audit_events (user_id, event, session_id, ip, user_agent, detail)
    VALUES ($1::uuid, 'passkey_removed', $2, $5, $6, 'passkey ' || encode(substr($4, 1, 8), 'hex'));
    RETURN QUERY SELECT 'removed'::text;
END
$$;
