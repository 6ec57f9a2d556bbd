-- A superadmin blocks ($2 true) or unblocks ($2 false) a user (migration 0008,
-- account_admin_set_blocked); blocking revokes every session. $1 user id, $3 the admin's user
-- id. No row when the user does not exist.
SELECT * FROM account_admin_set_blocked($1::uuid, $2, $3::uuid)
