-- The operator's scope change of one user (migration 0004, account_set_scope), with its
-- audit row. $1 user id, $2 scope. No row when the user does not exist.
SELECT * FROM account_set_scope($1::uuid, $2)
