-- The one check before a change only a fresh login may make (a passkey's registration or removal,
-- a number change, a user deleting their own account): the user's ($1) session ($2) is live,
-- with the live-session check's words ($3 the idle timeout in seconds, 0: off), and is marked
-- used; and it logged in at most $4 seconds ago, so a stolen access token of an older session
-- can make none of these changes. Called inside those functions, on the worker that holds the
-- user. Answers 'recent', 'session_gone' or 'not_recent'.
CREATE OR REPLACE FUNCTION account_recent_session(uuid, text, float8, float8)
RETURNS text
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
        RETURN 'session_gone';
    END IF;
    IF v_login < now() - make_interval(secs => $4::float8) THEN
        RETURN 'not_recent';
    END IF;
    RETURN 'recent';
END
$$;
