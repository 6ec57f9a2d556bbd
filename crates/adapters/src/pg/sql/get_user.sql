-- One user by id ($1).
SELECT id::text, phone, scope, extract(epoch FROM created_at)::int8, extract(epoch FROM updated_at)::int8
FROM users WHERE id = $1::uuid
