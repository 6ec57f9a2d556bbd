-- The import: which of a batch's user ids ($1) were deleted here (their tombstones), as one row
-- of an array. A deleted user is never brought back, by an import either.
SELECT coalesce(array_agg(id::text), '{}') FROM deleted_users WHERE id = ANY ($1::text[]::uuid[])
