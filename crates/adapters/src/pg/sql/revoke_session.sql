-- Revokes one of the caller's sessions (migration 0004, account_revoke_session), behind the
-- same live-session check as live_session.sql. $1 user id, $2 caller's session id, $3 idle
-- timeout (s, 0: off), $4 session to revoke, $5 ip, $6 user agent.
SELECT * FROM account_revoke_session($1::uuid, $2, $3, $4, $5, $6)
