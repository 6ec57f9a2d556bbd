-- Refresh-token rotation (migration 0004, account_rotate), with reuse detection and the grace
-- window. $1 user id, $2 presented hash, $3 successor hash, $4 session id or null, $5
-- successor expiry (unix s), $6 grace (s), $7 idle timeout (s, 0: off), $8 ip, $9 user agent
SELECT * FROM account_rotate($1::uuid, $2, $3, $4, $5, $6, $7, $8, $9)
