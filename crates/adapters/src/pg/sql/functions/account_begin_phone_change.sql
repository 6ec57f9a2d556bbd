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
    v_session text;
BEGIN
    v_session := account_recent_session($1::uuid, $2, $3, $5);
    IF v_session <> 'recent' THEN
        RETURN QUERY SELECT v_session;
        RETURN;
    END IF;
    UPDATE users SET pending_phone = $4 WHERE id = $1::uuid;
    RETURN QUERY SELECT 'ready'::text;
END
$$;
