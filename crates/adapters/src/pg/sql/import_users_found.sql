-- The import: which of a batch's user ids ($1) are here already, with their phones and whether
-- they are blocked, as one row of three arrays in the same order.
SELECT coalesce(array_agg(id::text), '{}'), coalesce(array_agg(phone), '{}'),
       coalesce(array_agg(blocked_at IS NOT NULL), '{}')
FROM users WHERE id = ANY ($1::text[]::uuid[])
