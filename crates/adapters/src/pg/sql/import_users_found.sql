-- The import: which of a batch's user ids ($1) are here already, with their phones, as one row
-- of two arrays in the same order.
SELECT coalesce(array_agg(id::text), '{}'), coalesce(array_agg(phone), '{}')
FROM users WHERE id = ANY ($1::text[]::uuid[])
