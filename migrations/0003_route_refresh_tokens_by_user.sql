-- Refresh tokens now name their user (the first 16 bytes of the token), so refresh and logout
-- find a token by its primary key (user_id, token_hash): one shard's index when distributed.
-- The unique index on the hash alone served the old lookup; Citus cannot keep a unique index
-- without the distribution column, and SHA-256 of 256 random bits needs no uniqueness check.
DROP INDEX refresh_tokens_hash_idx;
