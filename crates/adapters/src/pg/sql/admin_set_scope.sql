-- A superadmin's scope change of one user (migration 0007, account_admin_set_scope), audited
-- with the admin. $1 user id, $2 scope, $3 the admin's user id. No row when the user does not
-- exist.
SELECT * FROM account_admin_set_scope($1::uuid, $2, $3::uuid)
