-- A user's live sessions ($1), newest use first, at most 100, for a superadmin ($2, authorized
-- in core first), as one row of arrays like sessions.sql (empty arrays: no live session); the
-- read is audited with the admin (migration 0008, account_admin_user_sessions).
SELECT * FROM account_admin_user_sessions($1::uuid, $2::uuid)
