-- Removes one of the caller's passkeys (account_remove_passkey). $1 user id, $2 session id,
-- $3 idle timeout (s, 0: off), $4 credential id, $5 ip, $6 user agent.
SELECT * FROM account_remove_passkey($1::uuid, $2, $3, $4, $5, $6)
