-- The import: the Go sessions of a batch's live tokens. $1 user ids, $2 session ids, $3
-- created and $4 expiry (unix s; the session lasts as long as its latest token). A session
-- ended here stays ended; a live one is only ever extended to a later token's expiry.
INSERT INTO sessions (id, user_id, created_at, last_used_at, expires_at)
SELECT i.id, i.user_id::uuid, to_timestamp(i.created_at), to_timestamp(i.created_at),
       to_timestamp(i.expires_at)
FROM unnest($1::text[], $2::text[], $3::float8[], $4::float8[])
    AS i (user_id, id, created_at, expires_at)
ON CONFLICT (user_id, id) DO UPDATE SET expires_at = greatest(sessions.expires_at, excluded.expires_at)
WHERE sessions.revoked_at IS NULL
