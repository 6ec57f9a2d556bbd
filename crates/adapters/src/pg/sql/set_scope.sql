-- The operator's scope change of one user ($1) to $2, with its audit row. Routes by the user id.
WITH changed AS (
    UPDATE users SET scope = $2, updated_at = now()
    WHERE id = $1::uuid
    RETURNING id
), audit AS (
    INSERT INTO audit_events (user_id, event, detail)
    SELECT $1::uuid, 'scope_changed', 'scope set to ' || quote_literal($2) || ' by the operator'
    FROM changed
    RETURNING 1
)
SELECT id::text FROM changed
