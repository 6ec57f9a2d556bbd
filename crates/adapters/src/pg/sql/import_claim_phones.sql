-- The import: claims a batch's phones ($1) for its user ids ($2), claimed at $3 (unix s). A
-- phone already claimed keeps its owner; the import reads the owners back to see whose won.
INSERT INTO user_phones (phone, user_id, created_at)
SELECT i.phone, i.user_id::uuid, to_timestamp(i.created_at)
FROM unnest($1::text[], $2::text[], $3::float8[]) AS i (phone, user_id, created_at)
ON CONFLICT (phone) DO NOTHING
