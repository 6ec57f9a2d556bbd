-- Users, their sessions, and the refresh tokens that keep a session alive.
--
-- Citus-ready: users are distributed by id; phone uniqueness lives in `user_phones`, a lookup
-- table keyed (and later distributed) by the phone itself, so "is this phone taken?" routes to
-- one shard. Sessions and refresh tokens carry user_id, their distribution column, on every row.
-- Refresh tokens are looked up by hash: `refresh_tokens` also keys on token_hash so the lookup
-- is one index probe.

CREATE TABLE users (
    id          uuid        NOT NULL PRIMARY KEY,
    phone       text        NOT NULL,
    scope       text        NOT NULL DEFAULT '',
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT users_phone_is_e164 CHECK (phone ~ '^\+[1-9][0-9]{6,14}$')
);

-- Admin listing: newest first, filtered by creation date and phone prefix.
CREATE INDEX users_created_at_idx ON users (created_at DESC, id);
CREATE INDEX users_phone_prefix_idx ON users (phone text_pattern_ops);

-- One account per phone number, enforced where the phone is the key.
CREATE TABLE user_phones (
    phone       text        NOT NULL PRIMARY KEY,
    user_id     uuid        NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE sessions (
    id            text        NOT NULL,
    user_id       uuid        NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at    timestamptz NOT NULL DEFAULT now(),
    last_used_at  timestamptz NOT NULL DEFAULT now(),
    expires_at    timestamptz NOT NULL,
    revoked_at    timestamptz,
    user_agent    text,
    ip            text,
    PRIMARY KEY (user_id, id)
);

-- "Active sessions of this user", the sessions list and logout scopes.
CREATE INDEX sessions_active_idx ON sessions (user_id, expires_at) WHERE revoked_at IS NULL;

CREATE TABLE refresh_tokens (
    token_hash    bytea       NOT NULL,
    user_id       uuid        NOT NULL,
    session_id    text        NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now(),
    expires_at    timestamptz NOT NULL,
    used_at       timestamptz,
    revoked_at    timestamptz,
    PRIMARY KEY (user_id, token_hash),
    FOREIGN KEY (user_id, session_id) REFERENCES sessions (user_id, id) ON DELETE CASCADE,
    CONSTRAINT refresh_token_hash_is_sha256 CHECK (octet_length(token_hash) = 32)
);

-- The refresh hot path finds a token by its hash alone (the client does not send its user id).
CREATE UNIQUE INDEX refresh_tokens_hash_idx ON refresh_tokens (token_hash);
CREATE INDEX refresh_tokens_session_idx ON refresh_tokens (user_id, session_id);
