-- The operator's scope change of one user ($1) to $2, with its audit row. No row when the user
-- does not exist.
CREATE OR REPLACE FUNCTION account_set_scope(uuid, text)
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
