-- Passkeys on the phone account (WebAuthn): after a login by code, a user registers a passkey
-- and signs in with it, with no code sent.
--
-- One row per passkey, keyed by its user and the credential id its authenticator chose. The id
-- is unique per user only: with `none` attestation a client may pick it, so it cannot be a
-- global key, and a sign-in finds it under the user its assertion names (the user handle,
-- which the server set at registration). On Citus the table is distributed by user_id,
-- co-located with users (citus/distribute.sql), so every statement on it routes to the user's
-- shard.
--
-- No foreign key to users: a table created after distribution cannot reference a distributed
-- one until it is distributed itself. account_delete removes a user's passkeys instead, in the
-- same transaction as the user's row.
CREATE TABLE passkeys (
    user_id        uuid        NOT NULL,
    credential_id  bytea       NOT NULL,
    -- The COSE_Key the authenticator sent, as sent, and its algorithm (-7 ES256, -8 EdDSA,
    -- -257 RS256).
    public_key     bytea       NOT NULL,
    algorithm      integer     NOT NULL,
    sign_count     bigint      NOT NULL,
    -- The transports the client listed ("internal,hybrid"), for a sign-in's hints.
    transports     text        NOT NULL DEFAULT '',
    name           text        NOT NULL,
    created_at     timestamptz NOT NULL DEFAULT now(),
    last_used_at   timestamptz,
    PRIMARY KEY (user_id, credential_id),
    CONSTRAINT passkey_credential_id_length CHECK (octet_length(credential_id) BETWEEN 1 AND 1023),
    CONSTRAINT passkey_algorithm_is_offered CHECK (algorithm IN (-7, -8, -257)),
    CONSTRAINT passkey_sign_count_is_u32 CHECK (sign_count BETWEEN 0 AND 4294967295),
    CONSTRAINT passkey_name_length CHECK (char_length(name) BETWEEN 1 AND 64)
);

ALTER TABLE audit_events
    DROP CONSTRAINT audit_event_is_known,
    ADD CONSTRAINT audit_event_is_known CHECK (event IN (
        'login', 'new_user', 'refresh', 'reuse_detected', 'logout', 'session_revoked',
        'scope_changed', 'imported', 'blocked', 'unblocked', 'login_refused', 'deleted',
        'sessions_viewed', 'phone_changed',
        'passkey_added', 'passkey_login', 'passkey_rollback', 'passkey_removed'
    ));
