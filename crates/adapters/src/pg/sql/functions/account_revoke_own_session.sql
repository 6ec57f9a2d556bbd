-- Revokes the caller's own session ($2) and its refresh tokens. The live check and the
-- revocation are one UPDATE, with the live-session check's very words.
-- $1 user id, $2 session id, $3 idle timeout in seconds (0: off), $4 ip, $5 user agent.
CREATE OR REPLACE FUNCTION account_revoke_own_session(uuid, text, float8, text, text)
RETURNS TABLE (live int8, ended int8)
LANGUAGE plpgsql VOLATILE
AS $$
#variable_conflict use_column
DECLARE
    v_ended text;
BEGIN
    UPDATE sessions SET revoked_at = now()
    WHERE user_id = $1::uuid AND id = $2 AND revoked_at IS NULL AND expires_at > now()
      AND ($3::float8 = 0 OR last_used_at > now() - make_interval(secs => $3::float8))
    RETURNING id INTO v_ended;
    IF v_ended IS NULL THEN
        RETURN QUERY SELECT 0::int8, 0::int8;
        RETURN;
    END IF;
    UPDATE refresh_tokens SET revoked_at = now()
    WHERE user_id = $1::uuid AND session_id = v_ended AND revoked_at IS NULL;
    INSERT INTO audit_events (user_id, event, session_id, ip, user_agent, detail)
    VALUES ($1::uuid, 'session_revoked', v_ended, $4, $5, 'by itself');
    RETURN QUERY SELECT 1::int8, 1::int8;
END
$$;
