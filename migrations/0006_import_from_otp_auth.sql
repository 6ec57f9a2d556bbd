-- Moving accounts over from the Go service this one replaces (MaisamV/otp-auth, v1), with
-- `cargo xtask import-otp-auth`: its users become users here with the same ids, and its live
-- refresh tokens become refresh tokens of sessions with the Go session ids, so its clients stay
-- logged in.
--
-- A Go refresh token is 32 random characters that do not name their user, and ours are found
-- by (user id, hash). So each imported token also gets a row here, keyed by its hash alone: the
-- first refresh (or logout) with a Go token reads its user here, then rotates it in
-- refresh_tokens like any token; its successor is one of ours. On Citus this table is
-- distributed by the hash (citus/distribute.sql), so that lookup is one shard's primary key.
-- The service only reads it; the import writes it.
CREATE TABLE legacy_refresh_tokens (
    token_hash   bytea       NOT NULL PRIMARY KEY,
    user_id      uuid        NOT NULL,
    -- When the token dies in the source; a row past it can be deleted (nothing reads it then:
    -- refresh_tokens refuses the expired token).
    expires_at   timestamptz NOT NULL,
    imported_at  timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT legacy_token_hash_is_sha256 CHECK (octet_length(token_hash) = 32)
);

-- Where an import stopped: each batch stores the last source id it covered, in its own
-- transaction, so a run that is stopped resumes after the last whole batch. One row per source
-- database and phase (users, then tokens). On Citus, a reference table.
CREATE TABLE legacy_import_progress (
    source      text        NOT NULL,
    phase       text        NOT NULL,
    last_id     uuid        NOT NULL,
    updated_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (source, phase),
    CONSTRAINT legacy_import_phase_is_known CHECK (phase IN ('users', 'tokens'))
);

-- An imported user's first audit row says where the account came from.
ALTER TABLE audit_events
    DROP CONSTRAINT audit_event_is_known,
    ADD CONSTRAINT audit_event_is_known CHECK (event IN (
        'login', 'new_user', 'refresh', 'reuse_detected', 'logout', 'session_revoked',
        'scope_changed', 'imported'
    ));
