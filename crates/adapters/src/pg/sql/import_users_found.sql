-- The import: which of a batch's user ids ($1) are here already, with their phones.
SELECT id::text, phone FROM users WHERE id = ANY ($1::text[]::uuid[])
