-- The end of an account's life: a superadmin blocks (and unblocks) a user, a user deletes
-- their own account, a superadmin deletes one. And a superadmin's reading of a user's sessions
-- becomes an audited write.
--
-- Blocking keeps the account and refuses its logins; it revokes every session at once.
-- Deleting removes the user's row (its sessions and refresh tokens go with it, by the foreign
-- keys' cascade), erases the addresses and user agents of its audit rows, and leaves a
-- tombstone: the id, pseudonymous, in `deleted_users`, so no login can bring that user back.
-- The phone's claim in `user_phones` (another shard on Citus) is released by a second
-- statement; a deletion that stops between the two leaves a claim naming a deleted user, which
-- the phone's next login finds, releases and replaces (so that login makes a new user).
ALTER TABLE users ADD COLUMN blocked_at timestamptz;

-- One row per deleted user, co-located with users on Citus (citus/distribute.sql).
CREATE TABLE deleted_users (
    id          uuid        NOT NULL PRIMARY KEY,
    deleted_at  timestamptz NOT NULL DEFAULT now()
);

ALTER TABLE audit_events
    DROP CONSTRAINT audit_event_is_known,
    ADD CONSTRAINT audit_event_is_known CHECK (event IN (
        'login', 'new_user', 'refresh', 'reuse_detected', 'logout', 'session_revoked',
        'scope_changed', 'imported', 'blocked', 'unblocked', 'login_refused', 'deleted',
        'sessions_viewed'
    ));

-- account_login (migration 0004) with the account's state first: a blocked user gets no
-- session, a deleted one is not brought back. The user's row is read FOR SHARE, so a login
-- and a concurrent block or deletion of the same user queue on it: a login that comes second
-- sees the block or the tombstone (each statement reads what has committed before it), and a
-- block or deletion that comes second ends the session the login made.
-- Arguments as account_login's. Answers one row: the user and whether this login created it,
-- and `refusal`: NULL, 'blocked' (the user is named, nothing written but the audit row) or
-- 'deleted' (no user: the phone's claim names a deleted account).
-- account_login stays for workers of the previous release during a deploy.
CREATE FUNCTION account_sign_in(uuid, text, text, bytea, float8, text, text, text)
RETURNS TABLE (user_id text, phone text, scope text, created_at int8, updated_at int8,
               is_new boolean, refusal text)
LANGUAGE plpgsql VOLATILE
AS $$
#variable_conflict use_column
DECLARE
    v_blocked timestamptz;
    v_deleted uuid;
    v_created boolean;
BEGIN
    SELECT u.blocked_at INTO v_blocked FROM users u WHERE u.id = $1::uuid FOR SHARE;
    SELECT d.id INTO v_deleted FROM deleted_users d WHERE d.id = $1::uuid;
    IF v_deleted IS NOT NULL THEN
        RETURN QUERY SELECT NULL::text, NULL::text, NULL::text, NULL::int8, NULL::int8,
                            false, 'deleted'::text;
        RETURN;
    END IF;
    IF v_blocked IS NOT NULL THEN
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

-- A superadmin blocks ($2 true) or unblocks ($2 false) a user ($1), audited with the admin
-- ($3). Blocking revokes every session of the user and its refresh tokens. A user already in
-- the asked state is left alone (no audit row). Answers the user and how many sessions ended;
-- no row when there is no such user.
CREATE FUNCTION account_admin_set_blocked(uuid, boolean, uuid)
RETURNS TABLE (user_id text, phone text, scope text, created_at int8, updated_at int8,
               sessions_ended int8)
LANGUAGE plpgsql VOLATILE
AS $$
#variable_conflict use_column
DECLARE
    v_id uuid;
    v_changed uuid;
    v_ended int8 := 0;
    v_event text := CASE WHEN $2 THEN 'blocked' ELSE 'unblocked' END;
BEGIN
    SELECT u.id INTO v_id FROM users u WHERE u.id = $1::uuid FOR UPDATE;
    IF v_id IS NULL THEN
        RETURN;
    END IF;
    IF $2 THEN
        UPDATE users SET blocked_at = now(), updated_at = now()
        WHERE id = $1::uuid AND blocked_at IS NULL
        RETURNING id INTO v_changed;
        UPDATE sessions SET revoked_at = now()
        WHERE user_id = $1::uuid AND revoked_at IS NULL AND expires_at > now();
        GET DIAGNOSTICS v_ended = ROW_COUNT;
        UPDATE refresh_tokens SET revoked_at = now()
        WHERE user_id = $1::uuid AND revoked_at IS NULL;
    ELSE
        UPDATE users SET blocked_at = NULL, updated_at = now()
        WHERE id = $1::uuid AND blocked_at IS NOT NULL
        RETURNING id INTO v_changed;
    END IF;
    IF v_changed IS NOT NULL THEN
        INSERT INTO audit_events (user_id, event, detail, actor_id)
        VALUES ($1::uuid, v_event, 'by an admin', $3);
    END IF;
    RETURN QUERY
    SELECT u.id::text, u.phone, u.scope,
           extract(epoch FROM u.created_at)::int8, extract(epoch FROM u.updated_at)::int8,
           v_ended
    FROM users u WHERE u.id = $1::uuid;
END
$$;

-- Deletes a user ($1): by the user, from a live session ($2, with the live-session check's
-- words; $3 the idle timeout in seconds, 0: off) that logged in at most $4 seconds ago; or by a
-- superadmin ($2 NULL, $5 the admin, authorized by the caller). Answers one row: `outcome`
-- ('deleted', 'session_gone', 'not_recent' or 'no_user') and, when deleted, the phone whose
-- claim the caller releases next.
CREATE FUNCTION account_delete(uuid, text, float8, float8, uuid)
RETURNS TABLE (outcome text, phone text)
LANGUAGE plpgsql VOLATILE
AS $$
#variable_conflict use_column
DECLARE
    v_login timestamptz;
    v_phone text;
    v_detail text := CASE WHEN $2 IS NULL THEN 'by an admin' ELSE 'by the user' END;
BEGIN
    IF $2 IS NOT NULL THEN
        UPDATE sessions SET last_used_at = now()
        WHERE user_id = $1::uuid AND id = $2 AND revoked_at IS NULL AND expires_at > now()
          AND ($3::float8 = 0 OR last_used_at > now() - make_interval(secs => $3::float8))
        RETURNING created_at INTO v_login;
        IF v_login IS NULL THEN
            RETURN QUERY SELECT 'session_gone'::text, NULL::text;
            RETURN;
        END IF;
        IF v_login < now() - make_interval(secs => $4::float8) THEN
            RETURN QUERY SELECT 'not_recent'::text, NULL::text;
            RETURN;
        END IF;
    END IF;
    -- Sessions and refresh tokens go with the row (ON DELETE CASCADE).
    DELETE FROM users WHERE id = $1::uuid RETURNING phone INTO v_phone;
    IF v_phone IS NULL THEN
        RETURN QUERY SELECT 'no_user'::text, NULL::text;
        RETURN;
    END IF;
    UPDATE audit_events SET ip = NULL, user_agent = NULL
    WHERE user_id = $1::uuid AND (ip IS NOT NULL OR user_agent IS NOT NULL);
    INSERT INTO deleted_users (id) VALUES ($1::uuid) ON CONFLICT (id) DO NOTHING;
    INSERT INTO audit_events (user_id, event, detail, actor_id)
    VALUES ($1::uuid, 'deleted', v_detail, $5);
    RETURN QUERY SELECT 'deleted'::text, v_phone;
END
$$;

-- A superadmin reads a user's ($1) live sessions, newest use first, at most 100, as one row of
-- arrays (empty: no live session); the audit row names the admin ($2). A write, so Hyperdrive
-- never answers it from its cache. No audit row when there is no such user.
CREATE FUNCTION account_admin_user_sessions(uuid, uuid)
RETURNS TABLE (ids text[], created int8[], used int8[], expires int8[], agents text[],
               ips text[])
LANGUAGE plpgsql VOLATILE
AS $$
#variable_conflict use_column
DECLARE
    v_id uuid;
BEGIN
    SELECT u.id INTO v_id FROM users u WHERE u.id = $1::uuid;
    IF v_id IS NOT NULL THEN
        INSERT INTO audit_events (user_id, event, detail, actor_id)
        VALUES ($1::uuid, 'sessions_viewed', 'by an admin', $2);
    END IF;
    RETURN QUERY
    SELECT coalesce(array_agg(s.id ORDER BY s.last_used_at DESC, s.id), '{}'),
           coalesce(array_agg(extract(epoch FROM s.created_at)::int8 ORDER BY s.last_used_at DESC, s.id), '{}'),
           coalesce(array_agg(extract(epoch FROM s.last_used_at)::int8 ORDER BY s.last_used_at DESC, s.id), '{}'),
           coalesce(array_agg(extract(epoch FROM s.expires_at)::int8 ORDER BY s.last_used_at DESC, s.id), '{}'),
           coalesce(array_agg(s.user_agent ORDER BY s.last_used_at DESC, s.id), '{}'),
           coalesce(array_agg(s.ip ORDER BY s.last_used_at DESC, s.id), '{}')
    FROM (
        SELECT s.id, s.created_at, s.last_used_at, s.expires_at, s.user_agent, s.ip
        FROM sessions s
        WHERE s.user_id = $1::uuid AND s.revoked_at IS NULL AND s.expires_at > now()
        ORDER BY s.last_used_at DESC, s.id
        LIMIT 100
    ) AS s;
END
$$;
