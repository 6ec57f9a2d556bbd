-- The user an imported Go refresh token ($1, its SHA-256) belongs to (migration 0006). Routes by
-- the hash: a Go token names no user.
SELECT user_id::text FROM legacy_refresh_tokens WHERE token_hash = $1
