-- The import: how many of a batch's tokens ($2 hashes, of the users $1) are here already. Read
-- before writing them, since Citus reports an `INSERT ... SELECT`'s rows as sent, not as kept.
SELECT count(*)::int8 FROM refresh_tokens
WHERE user_id = ANY ($1::text[]::uuid[]) AND token_hash = ANY ($2::bytea[])
