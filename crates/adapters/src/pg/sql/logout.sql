-- Logout (migration 0004, account_logout): ends the chosen sessions of the token's user.
-- $1 user id, $2 token hash, $3 scope (local, others, global), $4 ip, $5 user agent.
SELECT * FROM account_logout($1::uuid, $2, $3, $4, $5)
