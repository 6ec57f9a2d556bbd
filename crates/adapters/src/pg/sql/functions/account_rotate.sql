-- Refresh-token rotation, on the shard of the user the token names ($1).
--
-- The user first, FOR SHARE, as a login reads it: a blocked or deleted user's token never
-- rotates, whatever its own row says (a token that reached the database some other way: an
-- import run again after the block, a row restored by hand), and a block running beside a
-- rotation queues with it (the block then revokes the successor; or the rotation sees the block).
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
CREATE OR REPLACE FUNCTION account_rotate(uuid, bytea, bytea, text, float8, float8, float8, text, text)
RETURNS TABLE (reused int8, user_id text, phone text, scope text, created_at int8,
               updated_at int8, session_id text, expires_at int8)
LANGUAGE plpgsql VOLATILE
AS $$
#variable_conflict use_column
DECLARE
    v_user uuid;
    v_token record;
    v_session_end timestamptz;
    v_expires timestamptz;
BEGIN
    -- The user first, FOR SHARE, as a login reads it: a blocked or deleted user's token rotates
    -- no more, whatever its own row says, and a block running beside this rotation queues with
    -- it (the block then revokes the successor; or this sees the block).
    SELECT u.id INTO v_user FROM users u WHERE u.id = $1::uuid AND u.blocked_at IS NULL FOR SHARE;
    IF v_user IS NULL THEN
        RETURN QUERY SELECT 0::int8, NULL::text, NULL::text, NULL::text, NULL::int8, NULL::int8,
                            NULL::text, NULL::int8;
        RETURN;
    END IF;
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
