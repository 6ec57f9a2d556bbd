-- A number change finishes (migration 0009, account_finish_phone_change) once the new number
-- is claimed. $1 user id, $2 the new number, $3 the caller's session (kept), $4 whether other
-- sessions end, $5 ip, $6 user agent. No row when the pending number is no longer $2.
SELECT * FROM account_finish_phone_change($1::uuid, $2, $3, $4, $5, $6)
