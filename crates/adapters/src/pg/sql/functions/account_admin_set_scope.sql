-- A superadmin's scope change of one user ($1) to $2, with its audit row naming the admin
-- ($3). Answers the user as changed; no row when the user does not exist. Distributed by $1
-- like the other account writes (citus/distribute.sql), so it runs whole on the user's worker.
CREATE OR REPLACE FUNCTION account_admin_set_scope(uuid, text, uuid)
RETURNS TABLE (user_id text, phone text, scope text, created_at int8, updated_at int8)
LANGUAGE plpgsql VOLATILE
AS $$
#variable_conflict use_column
BEGIN
    UPDATE users SET scope = $2, updated_at = now() WHERE id = $1::uuid;
    IF NOT FOUND THEN
        RETURN;
    END IF;
    INSERT INTO audit_events (user_id, event, detail, actor_id)
    VALUES ($1::uuid, 'scope_changed', 'scope set to ' || quote_literal($2) || ' by an admin', $3);
    RETURN QUERY
    SELECT u.id::text, u.phone, u.scope,
           extract(epoch FROM u.created_at)::int8, extract(epoch FROM u.updated_at)::int8
    FROM users u WHERE u.id = $1::uuid;
END
$$;
