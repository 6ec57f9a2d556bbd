-- Logout, on the shard of the user the token names ($1): end the chosen sessions of the
-- token's user and revoke their tokens; a rotated token presented again is a reuse and revokes
-- its own session instead, whatever scope was asked. Answers (live token?, reused token?) as
-- counts. $1 user id, $2 token hash, $3 scope (local, others, global), $4 ip, $5 user agent.
CREATE OR REPLACE FUNCTION account_logout(uuid, bytea, text, text, text)
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
