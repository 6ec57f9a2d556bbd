-- A sign-in with a verified passkey (account_passkey_sign_in): the sign count compared and
-- advanced, a new session and its first refresh token. $1 user id, $2 credential id, $3 sign
-- count, $4 session id, $5 token hash, $6 expiry (unix s), $7 user agent, $8 ip.
SELECT * FROM account_passkey_sign_in($1::uuid, $2, $3, $4, $5, $6, $7, $8)
