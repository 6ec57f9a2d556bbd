-- Removes one of a user's passkeys ($1 user id, $5 credential id) from their live session ($2;
-- $3 idle timeout in seconds, 0: off) that logged in at most $4 seconds ago, as a registration
-- needs: a stolen access token of an old session can neither add the thief's passkey nor strip
-- the user's own (and push them back to codes by SMS). $6 ip, $7 user agent. Answers one row:
-- `outcome` ('removed', 'not_found', 'session_gone' or 'not_recent').
CREATE OR REPLACE FUNCTION account_remove_passkey(uuid, text, float8, float8, bytea, text, text)
RETURNS TABLE (outcome text)
LANGUAGE plpgsql VOLATILE
AS $$
#variable_conflict use_column
DECLARE
    v_session text;
    v_removed bytea;
BEGIN
    v_session := account_recent_session($1::uuid, $2, $3, $4);
    IF v_session <> 'recent' THEN
        RETURN QUERY SELECT v_session;
        RETURN;
    END IF;
    DELETE FROM passkeys WHERE user_id = $1::uuid AND credential_id = $5
    RETURNING credential_id INTO v_removed;
    IF v_removed IS NULL THEN
        RETURN QUERY SELECT 'not_found'::text;
        RETURN;
    END IF;
    INSERT INTO audit_events (user_id, event, session_id, ip, user_agent, detail)
    VALUES ($1::uuid, 'passkey_removed', $2, $6, $7, 'passkey ' || encode(substr($5, 1, 8), 'hex'));
    RETURN QUERY SELECT 'removed'::text;
END
$$;
