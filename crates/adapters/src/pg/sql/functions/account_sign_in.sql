-- A login's account write, on the shard of the user the phone's claim names ($1): creates the
-- user if absent, starts a new session and stores its first refresh token's hash. The session
-- id is freshly minted by the server: a plain INSERT, so an id the user already has (live or
-- revoked) is a primary-key violation, never a revival.
-- The account's state first: a blocked user gets no session, a deleted one is not brought back.
-- The user's row is read FOR SHARE, so a login and a concurrent block or deletion of the same
-- user queue on it: a login that comes second sees the block or the tombstone (each statement
-- reads what has committed before it), and a block or deletion that comes second ends the
-- session the login made. A claim is stale when its user has another number and no pending
-- change to this one.
-- $1 user id, $2 phone, $3 session id, $4 token hash, $5 expiry (unix s), $6 user agent, $7 ip,
-- $8 the scope a user created here gets (an existing user keeps theirs); NULL creates no user:
-- a login that tries the account the OTP store remembers for the number, before any claim
-- Answers one row: the user and whether this login created it, and `refusal`: NULL, 'blocked'
-- (the user is named, nothing written but the audit row), 'deleted' (no user: the claim names a
-- deleted account), 'moved' (the claim is stale; nothing written) or 'unknown' (no such user
-- and $8 NULL; nothing written).
CREATE OR REPLACE FUNCTION account_sign_in(uuid, text, text, bytea, float8, text, text, text)
RETURNS TABLE (user_id text, phone text, scope text, created_at int8, updated_at int8,
               is_new boolean, refusal text)
LANGUAGE plpgsql VOLATILE
AS $$
#variable_conflict use_column
DECLARE
    v_user record;
    v_deleted uuid;
    v_exists boolean;
    v_created boolean;
BEGIN
    SELECT u.blocked_at, u.phone, u.pending_phone INTO v_user FROM users u WHERE u.id = $1::uuid FOR SHARE;
    v_exists := FOUND;
    SELECT d.id INTO v_deleted FROM deleted_users d WHERE d.id = $1::uuid;
    IF v_deleted IS NOT NULL THEN
        RETURN QUERY SELECT NULL::text, NULL::text, NULL::text, NULL::int8, NULL::int8,
                            false, 'deleted'::text;
        RETURN;
    END IF;
    IF v_user.phone IS NOT NULL AND v_user.phone <> $2
       AND v_user.pending_phone IS DISTINCT FROM $2 THEN
        RETURN QUERY SELECT NULL::text, NULL::text, NULL::text, NULL::int8, NULL::int8,
                            false, 'moved'::text;
        RETURN;
    END IF;
    IF NOT v_exists AND $8 IS NULL THEN
        RETURN QUERY SELECT NULL::text, NULL::text, NULL::text, NULL::int8, NULL::int8,
                            false, 'unknown'::text;
        RETURN;
    END IF;
    IF v_user.blocked_at IS NOT NULL THEN
        INSERT INTO audit_events (user_id, event, ip, user_agent, detail)
        VALUES ($1::uuid, 'login_refused', $7, $6, 'the user is blocked');
        RETURN QUERY
        SELECT u.id::text, u.phone, u.scope,
               extract(epoch FROM u.created_at)::int8, extract(epoch FROM u.updated_at)::int8,
               false, 'blocked'::text
        FROM users u WHERE u.id = $1::uuid;
        RETURN;
    END IF;
    -- Only where there was no user: $8 may be NULL otherwise, and NOT NULL is checked before
    -- ON CONFLICT. A first login of the phone running beside this one is still met by the
    -- conflict.
    v_created := false;
    IF NOT v_exists THEN
        INSERT INTO users (id, phone, scope) VALUES ($1::uuid, $2, $8) ON CONFLICT (id) DO NOTHING;
        v_created := FOUND;
    END IF;
    INSERT INTO sessions (id, user_id, expires_at, user_agent, ip)
    VALUES ($3, $1::uuid, to_timestamp($5), $6, $7);
    INSERT INTO refresh_tokens (token_hash, user_id, session_id, expires_at)
    VALUES ($4, $1::uuid, $3, to_timestamp($5));
    INSERT INTO audit_events (user_id, event, session_id, ip, user_agent)
    VALUES ($1::uuid, 'login', $3, $7, $6);
    IF v_created THEN
        INSERT INTO audit_events (user_id, event, session_id, ip, user_agent)
        VALUES ($1::uuid, 'new_user', $3, $7, $6);
    END IF;
    RETURN QUERY
    SELECT u.id::text, u.phone, u.scope,
           extract(epoch FROM u.created_at)::int8, extract(epoch FROM u.updated_at)::int8,
           v_created, NULL::text
    FROM users u WHERE u.id = $1::uuid;
END
$$;
