-- A number change begins (the first of its four statements): the caller's session ($2, with the
-- live-session check's words; $3 the idle timeout) must be live and must have logged in at most
-- $5 seconds ago (a stolen access token of an older session must not move the account to its
-- thief's number); then the new number ($4) becomes the user's ($1) pending one. Answers
-- 'ready', 'session_gone' or 'not_recent'.
CREATE OR REPLACE FUNCTION account_begin_phone_change(uuid, text, float8, text, float8)
RETURNS TABLE (outcome text)
LANGUAGE plpgsql VOLATILE
AS $$
#variable_conflict use_column
DECLARE
    v_login timestamptz;
BEGIN
    UPDATE sessions SET last_used_at = now()
    WHERE user_id = $1::uuid AND id = $2 AND revoked_at IS NULL AND expires_at > now()
      AND ($3::float8 = 0 OR last_used_at > now() - make_interval(secs => $3::float8))
    RETURNING created_at INTO v_login;
    IF v_login IS NULL THEN
        RETURN QUERY SELECT 'session_gone'::text;
        RETURN;
    END IF;
    IF v_login < now() - make_interval(secs => $5::float8) THEN
        RETURN QUERY SELECT 'not_recent'::text;
        RETURN;
    END IF;
    UPDATE users SET pending_phone = $4 WHERE id = $1::uuid;
    RETURN QUERY SELECT 'ready'::text;
END
$$;
