-- Deletes a user (migration 0008, account_delete): the row, its sessions and tokens, the
-- addresses in its audit rows; leaves the tombstone. $1 user id; $2 the user's own session
-- (NULL: a superadmin's deletion), $3 idle timeout (s, 0: off), $4 how long ago that session
-- may have logged in (s); $5 the admin's user id (NULL: the user's own deletion).
SELECT * FROM account_delete($1::uuid, $2, $3, $4, $5::uuid)
