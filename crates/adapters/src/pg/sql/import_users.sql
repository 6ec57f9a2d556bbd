-- The import: a batch's users, each with the phone it has claimed. $1 ids, $2 phones, $3
-- scopes, $4 created and $5 updated (unix s). An id already here is left alone.
INSERT INTO users (id, phone, scope, created_at, updated_at)
SELECT i.id::uuid, i.phone, i.scope, to_timestamp(i.created_at), to_timestamp(i.updated_at)
FROM unnest($1::text[], $2::text[], $3::text[], $4::float8[], $5::float8[])
    AS i (id, phone, scope, created_at, updated_at)
ON CONFLICT (id) DO NOTHING
