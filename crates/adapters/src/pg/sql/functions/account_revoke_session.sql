-- Revokes one of the caller's sessions ($4) and its refresh tokens, behind the live-session
-- check of live_session.sql (the caller's session, marked used; the same words).
-- $1 user id, $2 caller's session id, $3 idle timeout (s, 0: off), $5 ip, $6 user agent.
-- Answers (caller live?, session ended?) as counts.
CREATE OR REPLACE FUNCTION account_revoke_session(uuid, text, float8, text, text, text)
RETURNS TABLE (live int8, ended int8)
LANGUAGE plpgsql VOLATILE
AS $$
#variable_conflict use_column
DECLARE
    v_caller uuid;
    v_ended text;
BEGIN
    UPDATE sessions SET last_used_at = now()
    WHERE user_id = $1::uuid AND id = $2 AND revoked_at IS NULL AND expires_at > now()
      AND ($3::float8 = 0 OR last_used_at > now() - make_interval(secs => $3::float8))
    RETURNING user_id INTO v_caller;
    IF v_caller IS NULL THEN
        RETURN QUERY SELECT 0::int8, 0::int8;
        RETURN;
    END IF;
    UPDATE sessions SET revoked_at = now()
    WHERE user_id = $1::uuid AND id = $4 AND revoked_at IS NULL AND expires_at > now()
    RETURNING id INTO v_ended;
    IF v_ended IS NULL THEN
        RETURN QUERY SELECT 1::int8, 0::int8;
        RETURN;
    END IF;
    UPDATE refresh_tokens SET revoked_at = now()
    WHERE user_id = $1::uuid AND session_id = v_ended AND revoked_at IS NULL;
    INSERT INTO audit_events (user_id, event, session_id, ip, user_agent, detail)
    VALUES ($1::uuid, 'session_revoked', v_ended, $5, $6, 'by session ' || $2);
    RETURN QUERY SELECT 1::int8, 1::int8;
END
$$;
