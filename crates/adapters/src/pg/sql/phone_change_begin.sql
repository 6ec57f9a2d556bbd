-- A number change begins (migration 0009, account_begin_phone_change): the caller's session
-- checked (live, and logged in recently), the new number pending. $1 user id, $2 session id,
-- $3 idle timeout (s, 0: off), $4 the new number, $5 how long ago the session may have logged
-- in (s).
SELECT * FROM account_begin_phone_change($1::uuid, $2, $3, $4, $5)
