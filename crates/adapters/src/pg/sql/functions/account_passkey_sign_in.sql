-- A sign-in with a passkey whose assertion the worker verified: $1 the user its user handle
-- names, $2 credential id, $3 the assertion's sign count, $4 the new session's id, $5 its first
-- refresh token's hash, $6 their expiry (unix s), $7 user agent, $8 ip.
-- The user's row is read FOR SHARE, as a login reads it, so a block or a deletion and this
-- sign-in queue on it; the passkey's row FOR UPDATE, so two sign-ins with one passkey compare
-- and advance its sign count one after the other. The count must move forward unless both it
-- and the stored one are 0 (an authenticator without a counter; WebAuthn §6.1.1); one that does
-- not is refused and audited. Answers one row: the user (the five columns every statement
-- returns a user in) and `refusal`: NULL (signed in), 'unknown' (no such passkey for that
-- user, or no such user), 'blocked' (the user named, the refusal audited) or 'rollback' (the
-- stored count in `stored_count`, the refusal audited).
CREATE OR REPLACE FUNCTION account_passkey_sign_in(uuid, bytea, int8, text, bytea, float8, text,
                                                   text)
RETURNS TABLE (user_id text, phone text, scope text, created_at int8, updated_at int8,
               refusal text, stored_count int8)
LANGUAGE plpgsql VOLATILE
AS $$
#variable_conflict use_column
DECLARE
    v_blocked timestamptz;
    v_exists boolean;
    v_stored int8;
    v_passkey text := 'passkey ' || encode(substr($2, 1, 8), 'hex');
BEGIN
    SELECT u.blocked_at INTO v_blocked FROM users u WHERE u.id = $1::uuid FOR SHARE;
    v_exists := FOUND;
    SELECT p.sign_count INTO v_stored FROM passkeys p
    WHERE p.user_id = $1::uuid AND p.credential_id = $2 FOR UPDATE;
    IF NOT v_exists OR v_stored IS NULL THEN
        RETURN QUERY SELECT NULL::text, NULL::text, NULL::text, NULL::int8, NULL::int8,
                            'unknown'::text, NULL::int8;
        RETURN;
    END IF;
    IF v_blocked IS NOT NULL THEN
        INSERT INTO audit_events (user_id, event, ip, user_agent, detail)
        VALUES ($1::uuid, 'login_refused', $8, $7, 'the user is blocked (' || v_passkey || ')');
        RETURN QUERY
        SELECT u.id::text, u.phone, u.scope,
               extract(epoch FROM u.created_at)::int8, extract(epoch FROM u.updated_at)::int8,
               'blocked'::text, NULL::int8
        FROM users u WHERE u.id = $1::uuid;
        RETURN;
    END IF;
    IF ($3 <> 0 OR v_stored <> 0) AND $3 <= v_stored THEN
        INSERT INTO audit_events (user_id, event, ip, user_agent, detail)
        VALUES ($1::uuid, 'passkey_rollback', $8, $7,
                format('%s: sign count %s after %s', v_passkey, $3, v_stored));
        RETURN QUERY SELECT NULL::text, NULL::text, NULL::text, NULL::int8, NULL::int8,
                            'rollback'::text, v_stored;
        RETURN;
    END IF;
    UPDATE passkeys SET sign_count = $3, last_used_at = now()
    WHERE user_id = $1::uuid AND credential_id = $2;
    INSERT INTO sessions (id, user_id, expires_at, user_agent, ip)
    VALUES ($4, $1::uuid, to_timestamp($6), $7, $8);
    INSERT INTO refresh_tokens (token_hash, user_id, session_id, expires_at)
    VALUES ($5, $1::uuid, $4, to_timestamp($6));
    INSERT INTO audit_events (user_id, event, session_id, ip, user_agent, detail)
    VALUES ($1::uuid, 'passkey_login', $4, $8, $7, v_passkey);
    RETURN QUERY
    SELECT u.id::text, u.phone, u.scope,
           extract(epoch FROM u.created_at)::int8, extract(epoch FROM u.updated_at)::int8,
           NULL::text, NULL::int8
    FROM users u WHERE u.id = $1::uuid;
END
$$;
