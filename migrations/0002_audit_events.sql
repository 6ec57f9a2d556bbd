-- The audit trail: who did what, from where, and when. Rows are written by the statements that
-- make the change (one round trip: login, refresh, logout and revoke each stay one statement),
-- and by the operator's scope command.
--
-- Citus-ready: distributed by user_id like sessions, so each write routes to the user's shard.

CREATE TABLE audit_events (
    id          bigint      GENERATED ALWAYS AS IDENTITY,
    user_id     uuid        NOT NULL,
    event       text        NOT NULL,
    session_id  text,
    ip          text,
    user_agent  text,
    detail      text,
    created_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (user_id, id),
    CONSTRAINT audit_event_is_known CHECK (event IN (
        'login', 'new_user', 'refresh', 'reuse_detected', 'logout', 'session_revoked', 'scope_changed'
    ))
);

CREATE INDEX audit_events_user_time_idx ON audit_events (user_id, created_at DESC);
