-- The account write of a login (functions/account_sign_in.sql): refuses a blocked or deleted
-- user; otherwise creates the user if absent, starts a new session and stores its first
-- refresh token's hash, in one statement.
-- $1 user id, $2 phone, $3 session id, $4 token hash, $5 expiry (unix s), $6 user agent, $7 ip,
-- $8 the new user's scope, NULL to create none (a login that tries the account the OTP store
-- remembers for the number, before the phone's claim)
SELECT * FROM account_sign_in($1::uuid, $2, $3, $4, $5, $6, $7, $8)
