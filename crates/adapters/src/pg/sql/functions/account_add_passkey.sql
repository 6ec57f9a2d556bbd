-- Registers a passkey for a user ($1) from their live session ($2; $3 idle timeout in seconds,
-- 0: off) that logged in at most $4 seconds ago. $5 credential id, $6 the COSE public key,
-- $7 its algorithm, $8 the sign count, $9 transports, $10 its name, $11 the most passkeys a
-- user may have, $12 ip, $13 user agent. The user's row is locked first, so two registrations
-- of one user queue and the count cannot be passed by a race. Answers one row: `outcome`
-- ('added', 'session_gone', 'not_recent', 'exists' or 'too_many') and, when added, its
-- creation time.
CREATE OR REPLACE FUNCTION account_add_passkey(uuid, text, float8, float8, bytea, bytea, int8,
                                               int8, text, text, int8, text, text)
RETURNS TABLE (outcome text, created_at int8)
LANGUAGE plpgsql VOLATILE
AS $$
#variable_conflict use_column
DECLARE
    v_session text;
    v_user uuid;
    v_held int8;
    v_created timestamptz;
BEGIN
    v_session := account_recent_session($1::uuid, $2, $3, $4);
    IF v_session <> 'recent' THEN
        RETURN QUERY SELECT v_session, NULL::int8;
        RETURN;
    END IF;
    SELECT u.id INTO v_user FROM users u WHERE u.id = $1::uuid FOR UPDATE;
    SELECT count(*) INTO v_held FROM passkeys p WHERE p.user_id = $1::uuid;
    IF v_held >= $11 THEN
        RETURN QUERY SELECT 'too_many'::text, NULL::int8;
        RETURN;
    END IF;
    INSERT INTO passkeys (user_id, credential_id, public_key, algorithm, sign_count, transports,
                          name)
    VALUES ($1::uuid, $5, $6, $7, $8, $9, $10)
    ON CONFLICT (user_id, credential_id) DO NOTHING
    RETURNING created_at INTO v_created;
    IF v_created IS NULL THEN
        RETURN QUERY SELECT 'exists'::text, NULL::int8;
        RETURN;
    END IF;
    INSERT INTO audit_events (user_id, event, session_id, ip, user_agent, detail)
    VALUES ($1::uuid, 'passkey_added', $2, $12, $13, 'passkey ' || encode(substr($5, 1, 8), 'hex'));
    RETURN QUERY SELECT 'added'::text, extract(epoch FROM v_created)::int8;
END
$$;
