-- A user moves their account to a new number. On Citus the number's claim (`user_phones`, by
-- phone) and the user (by id) are on different shards, so the move is four statements, each
-- on one shard: the change begins on the user's shard (the caller's session checked, the new
-- number noted as pending), the new number is claimed, the change finishes on the user's
-- shard (the number swapped, other sessions ended if asked, the audit row), and the old
-- number's claim is released.
--
-- A login between the steps finds a consistent account, by one rule in account_sign_in: a
-- claim counts only if its user's number is the claimed one or the pending one. Otherwise the
-- claim is stale (the user moved away and the release did not happen yet, or never will): the
-- login releases it and claims the number anew, as it does for a deleted user's claim. So an
-- old number that is reassigned to someone else never logs in to the account that left it.
ALTER TABLE users ADD COLUMN pending_phone text,
    ADD CONSTRAINT users_pending_phone_is_e164 CHECK (pending_phone ~ '^\+[1-9][0-9]{6,14}$');

ALTER TABLE audit_events
    DROP CONSTRAINT audit_event_is_known,
    ADD CONSTRAINT audit_event_is_known CHECK (event IN (
        'login', 'new_user', 'refresh', 'reuse_detected', 'logout', 'session_revoked',
        'scope_changed', 'imported', 'blocked', 'unblocked', 'login_refused', 'deleted',
        'sessions_viewed', 'phone_changed'
    ));

-- migration 0008's account_sign_in with the stale-claim rule: refusal 'moved' when the user
-- the claim names has another number and no pending change to this one (nothing written).
CREATE OR REPLACE FUNCTION account_sign_in(uuid, text, text, bytea, float8, text, text, text)
RETURNS TABLE (user_id text, phone text, scope text, created_at int8, updated_at int8,
               is_new boolean, refusal text)
LANGUAGE plpgsql VOLATILE
AS $$
#variable_conflict use_column
DECLARE
    v_user record;
    v_deleted uuid;
    v_created boolean;
BEGIN
    SELECT u.blocked_at, u.phone, u.pending_phone INTO v_user FROM users u WHERE u.id = $1::uuid FOR SHARE;
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
    INSERT INTO users (id, phone, scope) VALUES ($1::uuid, $2, $8) ON CONFLICT (id) DO NOTHING;
    v_created := FOUND;
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

-- Step one: the caller's session ($2, with the live-session check's words; $3 the idle
-- timeout) must be live and must have logged in at most $5 seconds ago (a stolen access token
-- of an older session must not move the account to its thief's number); then the new number
-- ($4) becomes the user's ($1) pending one. Answers 'ready', 'session_gone' or 'not_recent'.
CREATE FUNCTION account_begin_phone_change(uuid, text, float8, text, float8)
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

-- Step three, once the new number ($2) is claimed for the user ($1): the pending number
-- becomes the user's; with $4 every session but the caller's ($3) ends with its tokens; the
-- audit row carries the caller's address ($5) and user agent ($6), never the numbers. Answers
-- the old number and the user as changed; no row when the pending number is no longer $2 (a
-- second change of the same account ran meanwhile).
CREATE FUNCTION account_finish_phone_change(uuid, text, text, boolean, text, text)
RETURNS TABLE (old_phone text, user_id text, phone text, scope text, created_at int8,
               updated_at int8)
LANGUAGE plpgsql VOLATILE
AS $$
#variable_conflict use_column
DECLARE
    v_old text;
    v_changed uuid;
    v_detail text := CASE WHEN $4 THEN 'other sessions ended' ELSE 'other sessions kept' END;
BEGIN
    SELECT u.phone INTO v_old FROM users u WHERE u.id = $1::uuid FOR UPDATE;
    UPDATE users SET phone = $2, pending_phone = NULL, updated_at = now()
    WHERE id = $1::uuid AND pending_phone = $2
    RETURNING id INTO v_changed;
    IF v_changed IS NULL THEN
        RETURN;
    END IF;
    IF $4 THEN
        UPDATE sessions SET revoked_at = now()
        WHERE user_id = $1::uuid AND id <> $3 AND revoked_at IS NULL;
        UPDATE refresh_tokens SET revoked_at = now()
        WHERE user_id = $1::uuid AND session_id <> $3 AND revoked_at IS NULL;
    END IF;
    INSERT INTO audit_events (user_id, event, session_id, ip, user_agent, detail)
    VALUES ($1::uuid, 'phone_changed', $3, $5, $6, v_detail);
    RETURN QUERY
    SELECT v_old, u.id::text, u.phone, u.scope,
           extract(epoch FROM u.created_at)::int8, extract(epoch FROM u.updated_at)::int8
    FROM users u WHERE u.id = $1::uuid;
END
$$;
