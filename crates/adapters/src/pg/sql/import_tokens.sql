-- The import: a batch's live Go refresh tokens. $1 hashes, $2 user ids, $3 session ids, $4
-- created and $5 expiry (unix s). A token here already (used, revoked or not) is left alone:
-- the row count says how many were new.
INSERT INTO refresh_tokens (token_hash, user_id, session_id, created_at, expires_at)
SELECT i.token_hash, i.user_id::uuid, i.session_id, to_timestamp(i.created_at),
       to_timestamp(i.expires_at)
FROM unnest($1::bytea[], $2::text[], $3::text[], $4::float8[], $5::float8[])
    AS i (token_hash, user_id, session_id, created_at, expires_at)
ON CONFLICT (user_id, token_hash) DO NOTHING
