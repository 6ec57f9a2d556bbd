-- Removes one of the caller's passkeys (account_remove_passkey) from a live, recent session.
-- $1 user id, $2 session id, $3 idle timeout (s, 0: off), $4 how long ago the session may have
-- logged in (s), $5 credential id, $6 ip, $7 user agent.
SELECT * FROM account_remove_passkey($1::uuid, $2, $3, $4, $5, $6, $7)
