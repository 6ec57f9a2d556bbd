-- Revokes the caller's own session (migration 0004, account_revoke_own_session).
-- $1 user id, $2 session id, $3 idle timeout (s, 0: off), $4 ip, $5 user agent.
SELECT * FROM account_revoke_own_session($1::uuid, $2, $3, $4, $5)
