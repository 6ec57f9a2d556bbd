-- The import: the lookup rows of a batch's Go tokens, by hash. $1 hashes, $2 user ids, $3
-- expiry (unix s).
INSERT INTO legacy_refresh_tokens (token_hash, user_id, expires_at)
SELECT i.token_hash, i.user_id::uuid, to_timestamp(i.expires_at)
FROM unnest($1::bytea[], $2::text[], $3::float8[]) AS i (token_hash, user_id, expires_at)
ON CONFLICT (token_hash) DO NOTHING
