-- The account writes that change several rows (a login, a rotation, a logout, a revocation, a
-- scope change) as functions: one round trip from the service, one transaction, nothing
-- half-written if anything fails. Why functions: on Citus, one statement that modifies rows in
-- several CTEs is planned in steps whose intermediate results Citus may send to every worker,
-- so a stopped worker broke writes of users it does not hold (seen in the citus tier). A call
-- of a function that citus/distribute.sql distributes by its user-id argument (co-located with
-- users) is delegated whole to the worker holding that user's shards, and each statement in
-- the body is a plain single-shard statement there, on that worker alone. On a single
-- PostgreSQL the function is simply called. Same statements either way.
--
-- Rules for a body (the adapters' routing proof, pg/citus_delegation.rs, checks them): every
-- statement addresses each table by the user id ($1, or `id` of users); one table per
-- statement, no data-modifying CTE; the PL/pgSQL variables are named v_*.
-- PL/pgSQL, not SQL: Citus cannot plan a SQL-language function's statements that use its
-- parameters ("could not create distributed plan"). `#variable_conflict use_column`: a name
-- such as `phone` means the table's column, not the output column of the same name.
--
-- Each function takes the user id as its first argument ($1, the distribution argument) and
-- the other parameters in the order the service sends them. Changing a body is a later
-- migration with CREATE OR REPLACE FUNCTION (Citus propagates it to the workers); changing a
-- signature is a new function, so workers of the previous release keep working until they are
-- replaced.

-- Creates the user if absent, starts a new session and stores its first refresh token's hash.
-- The session id is freshly minted by the server: a plain INSERT, so an id the user already has
-- (live or revoked) is a primary-key violation, never a revival.
-- $1 user id, $2 phone, $3 session id, $4 token hash, $5 expiry (unix s), $6 user agent, $7 ip,
-- $8 the scope a user created here gets (an existing user keeps theirs)
CREATE FUNCTION account_login(uuid, text, text, bytea, float8, text, text, text)
RETURNS TABLE (user_id text, phone text, scope text, created_at int8, updated_at int8, is_new boolean)
LANGUAGE plpgsql VOLATILE
AS $$
#variable_conflict use_column
DECLARE
    v_created boolean;
BEGIN
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
           v_created
    FROM users u WHERE u.id = $1::uuid;
END
$$;

-- Refresh-token rotation, on the shard of the user the token names ($1).
--
-- The presented token is usable if it is live and so is its session (and it belongs to the
-- named session, when one is named). Marking it used succeeds only if nobody has: under READ
-- COMMITTED, concurrent rotations of one token queue on its row lock and all but the first find
-- `used_at` set and update nothing. A retry is a presentation inside the grace window: a token
-- used moments ago, or one that lost such a race, when a grace window is configured. Either way
-- a successor is issued; a retry first revokes the earlier successor and the presented token,
-- so the session never forks and a token is retried once at most. Otherwise a usable token that
-- did not rotate is a reuse: the session and every token of it are revoked.
-- $1 user id, $2 presented hash, $3 successor hash, $4 session id or null, $5 successor expiry
-- (unix s), $6 grace (s), $7 idle timeout (s, 0: off), $8 ip, $9 user agent
-- Answers one row: (reuses, then the user and the successor's session and expiry when issued).
CREATE FUNCTION account_rotate(uuid, bytea, bytea, text, float8, float8, float8, text, text)
RETURNS TABLE (reused int8, user_id text, phone text, scope text, created_at int8,
               updated_at int8, session_id text, expires_at int8)
LANGUAGE plpgsql VOLATILE
AS $$
#variable_conflict use_column
DECLARE
    v_token record;
    v_session_end timestamptz;
    v_expires timestamptz;
BEGIN
    SELECT t.session_id, t.used_at INTO v_token
    FROM refresh_tokens t
    WHERE t.user_id = $1::uuid AND t.token_hash = $2
      AND t.revoked_at IS NULL AND t.expires_at > now()
      AND ($4::text IS NULL OR t.session_id = $4);
    IF NOT FOUND THEN
        RETURN QUERY SELECT 0::int8, NULL::text, NULL::text, NULL::text, NULL::int8, NULL::int8,
                            NULL::text, NULL::int8;
        RETURN;
    END IF;
    SELECT s.expires_at INTO v_session_end
    FROM sessions s
    WHERE s.user_id = $1::uuid AND s.id = v_token.session_id
      AND s.revoked_at IS NULL AND s.expires_at > now()
      AND ($7::float8 = 0 OR s.last_used_at > now() - make_interval(secs => $7::float8));
    IF NOT FOUND THEN
        RETURN QUERY SELECT 0::int8, NULL::text, NULL::text, NULL::text, NULL::int8, NULL::int8,
                            NULL::text, NULL::int8;
        RETURN;
    END IF;
    UPDATE refresh_tokens SET used_at = now()
    WHERE user_id = $1::uuid AND token_hash = $2 AND used_at IS NULL AND revoked_at IS NULL;
    IF NOT FOUND THEN
        IF $6 > 0 AND (v_token.used_at IS NULL OR v_token.used_at > now() - make_interval(secs => $6)) THEN
            -- A retry keeps one live chain: the successor the first presentation got is
            -- revoked, and so is the presented token.
            UPDATE refresh_tokens SET revoked_at = now()
            WHERE user_id = $1::uuid AND session_id = v_token.session_id AND revoked_at IS NULL
              AND (token_hash = $2 OR used_at IS NULL);
        ELSE
            UPDATE sessions SET revoked_at = now()
            WHERE user_id = $1::uuid AND id = v_token.session_id;
            UPDATE refresh_tokens SET revoked_at = now()
            WHERE user_id = $1::uuid AND session_id = v_token.session_id AND revoked_at IS NULL;
            INSERT INTO audit_events (user_id, event, session_id, ip, user_agent)
            VALUES ($1::uuid, 'reuse_detected', v_token.session_id, $8, $9);
            RETURN QUERY SELECT 1::int8, NULL::text, NULL::text, NULL::text, NULL::int8,
                                NULL::int8, NULL::text, NULL::int8;
            RETURN;
        END IF;
    END IF;
    -- The successor never outlives its session: a refresh does not extend a session's end.
    INSERT INTO refresh_tokens (token_hash, user_id, session_id, expires_at)
    VALUES ($3, $1::uuid, v_token.session_id, least(to_timestamp($5), v_session_end))
    RETURNING expires_at INTO v_expires;
    UPDATE sessions SET last_used_at = now()
    WHERE user_id = $1::uuid AND id = v_token.session_id;
    INSERT INTO audit_events (user_id, event, session_id, ip, user_agent)
    VALUES ($1::uuid, 'refresh', v_token.session_id, $8, $9);
    RETURN QUERY
    SELECT 0::int8, u.id::text, u.phone, u.scope,
           extract(epoch FROM u.created_at)::int8, extract(epoch FROM u.updated_at)::int8,
           v_token.session_id, extract(epoch FROM v_expires)::int8
    FROM users u WHERE u.id = $1::uuid;
END
$$;

-- Logout, on the shard of the user the token names ($1): end the chosen sessions of the
-- token's user and revoke their tokens; a rotated token presented again is a reuse and revokes
-- its own session instead, whatever scope was asked. Answers (live token?, reused token?) as
-- counts. $1 user id, $2 token hash, $3 scope (local, others, global), $4 ip, $5 user agent.
CREATE FUNCTION account_logout(uuid, bytea, text, text, text)
RETURNS TABLE (live int8, reused int8)
LANGUAGE plpgsql VOLATILE
AS $$
#variable_conflict use_column
DECLARE
    v_token record;
    v_ends text;
    v_session text;
BEGIN
    SELECT t.session_id, t.used_at IS NOT NULL AS used INTO v_token
    FROM refresh_tokens t
    WHERE t.user_id = $1::uuid AND t.token_hash = $2
      AND t.revoked_at IS NULL AND t.expires_at > now();
    IF NOT FOUND THEN
        RETURN QUERY SELECT 0::int8, 0::int8;
        RETURN;
    END IF;
    v_ends := CASE WHEN v_token.used THEN 'reuse' ELSE $3 END;
    FOR v_session IN
        UPDATE sessions SET revoked_at = now()
        WHERE user_id = $1::uuid AND revoked_at IS NULL
          AND ((v_ends IN ('local', 'reuse') AND id = v_token.session_id)
            OR (v_ends = 'others' AND id <> v_token.session_id)
            OR v_ends = 'global')
        RETURNING id
    LOOP
        UPDATE refresh_tokens SET revoked_at = now()
        WHERE user_id = $1::uuid AND session_id = v_session AND revoked_at IS NULL;
        INSERT INTO audit_events (user_id, event, session_id, ip, user_agent, detail)
        VALUES ($1::uuid, CASE WHEN v_token.used THEN 'reuse_detected' ELSE 'logout' END,
                v_session, $4, $5, $3);
    END LOOP;
    RETURN QUERY SELECT CASE WHEN v_token.used THEN 0 ELSE 1 END::int8,
                        CASE WHEN v_token.used THEN 1 ELSE 0 END::int8;
END
$$;

-- Revokes one of the caller's sessions ($4) and its refresh tokens, behind the live-session
-- check of live_session.sql (the caller's session, marked used; the same words).
-- $1 user id, $2 caller's session id, $3 idle timeout (s, 0: off), $5 ip, $6 user agent.
-- Answers (caller live?, session ended?) as counts.
CREATE FUNCTION account_revoke_session(uuid, text, float8, text, text, text)
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

-- Revokes the caller's own session ($2) and its refresh tokens. The live check and the
-- revocation are one UPDATE, with the live-session check's very words.
-- $1 user id, $2 session id, $3 idle timeout in seconds (0: off), $4 ip, $5 user agent.
CREATE FUNCTION account_revoke_own_session(uuid, text, float8, text, text)
RETURNS TABLE (live int8, ended int8)
LANGUAGE plpgsql VOLATILE
AS $$
#variable_conflict use_column
DECLARE
    v_ended text;
BEGIN
    UPDATE sessions SET revoked_at = now()
    WHERE user_id = $1::uuid AND id = $2 AND revoked_at IS NULL AND expires_at > now()
      AND ($3::float8 = 0 OR last_used_at > now() - make_interval(secs => $3::float8))
    RETURNING id INTO v_ended;
    IF v_ended IS NULL THEN
        RETURN QUERY SELECT 0::int8, 0::int8;
        RETURN;
    END IF;
    UPDATE refresh_tokens SET revoked_at = now()
    WHERE user_id = $1::uuid AND session_id = v_ended AND revoked_at IS NULL;
    INSERT INTO audit_events (user_id, event, session_id, ip, user_agent, detail)
    VALUES ($1::uuid, 'session_revoked', v_ended, $4, $5, 'by itself');
    RETURN QUERY SELECT 1::int8, 1::int8;
END
$$;

-- The operator's scope change of one user ($1) to $2, with its audit row. No row when the user
-- does not exist.
CREATE FUNCTION account_set_scope(uuid, text)
RETURNS TABLE (user_id text)
LANGUAGE plpgsql VOLATILE
AS $$
#variable_conflict use_column
BEGIN
    UPDATE users SET scope = $2, updated_at = now() WHERE id = $1::uuid;
    IF NOT FOUND THEN
        RETURN;
    END IF;
    INSERT INTO audit_events (user_id, event, detail)
    VALUES ($1::uuid, 'scope_changed', 'scope set to ' || quote_literal($2) || ' by the operator');
    RETURN QUERY SELECT $1::text;
END
$$;
