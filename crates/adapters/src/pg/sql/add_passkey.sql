-- Registers a passkey (migration 0011, account_add_passkey) from the caller's live, recent
-- session. $1 user id, $2 session id, $3 idle timeout (s, 0: off), $4 how long ago the session
-- may have logged in (s), $5 credential id, $6 COSE public key, $7 algorithm, $8 sign count,
-- $9 transports, $10 name, $11 the most passkeys a user may have, $12 ip, $13 user agent.
SELECT * FROM account_add_passkey($1::uuid, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
