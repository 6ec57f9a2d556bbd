-- The account write of a login (migration 0008, account_sign_in): refuses a blocked or deleted
-- user; otherwise creates the user if absent, starts a new session and stores its first
-- refresh token's hash, in one statement.
-- $1 user id, $2 phone, $3 session id, $4 token hash, $5 expiry (unix s), $6 user agent, $7 ip,
-- $8 the new user's scope
SELECT * FROM account_sign_in($1::uuid, $2, $3, $4, $5, $6, $7, $8)
