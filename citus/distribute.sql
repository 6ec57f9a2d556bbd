-- Distributes the schema over a Citus cluster. Run on the coordinator after the migrations,
-- before traffic (create_distributed_table moves existing rows into shards):
--
--     psql "$COORDINATOR_URL" -v ON_ERROR_STOP=1 -f citus/distribute.sql
--
-- It can be run again: tables already distributed are left alone, and the functions are
-- (re)distributed, so run it after every migration that adds a function.
--
-- Distribution columns, chosen so every hot-path statement routes to one shard
-- (docs/citus.md; checked statement by statement by the adapters' routing test):
--   users, sessions, refresh_tokens, audit_events, deleted_users, passkeys  by the user id,
--     co-located, so a login's account write, a refresh, a logout, a session check and a
--     passkey's sign-in (found under the user its assertion's user handle names) each stay on
--     the user's shard;
--   user_phones  by the phone: the one statement that starts from a phone number (the claim);
--   legacy_refresh_tokens  by the token hash: an imported Go token names no user, so its first
--     refresh starts from the hash (migration 0006).
-- schema_migrations and legacy_import_progress (the import's checkpoints, written by the
-- operator's command) stay local tables on the coordinator.

BEGIN;
SELECT create_distributed_table('users', 'id')
WHERE NOT EXISTS (SELECT 1 FROM pg_dist_partition WHERE logicalrelid = 'users'::regclass);
SELECT create_distributed_table('sessions', 'user_id', colocate_with => 'users')
WHERE NOT EXISTS (SELECT 1 FROM pg_dist_partition WHERE logicalrelid = 'sessions'::regclass);
SELECT create_distributed_table('refresh_tokens', 'user_id', colocate_with => 'users')
WHERE NOT EXISTS (SELECT 1 FROM pg_dist_partition WHERE logicalrelid = 'refresh_tokens'::regclass);
SELECT create_distributed_table('audit_events', 'user_id', colocate_with => 'users')
WHERE NOT EXISTS (SELECT 1 FROM pg_dist_partition WHERE logicalrelid = 'audit_events'::regclass);
SELECT create_distributed_table('deleted_users', 'id', colocate_with => 'users')
WHERE NOT EXISTS (SELECT 1 FROM pg_dist_partition WHERE logicalrelid = 'deleted_users'::regclass);
SELECT create_distributed_table('passkeys', 'user_id', colocate_with => 'users')
WHERE NOT EXISTS (SELECT 1 FROM pg_dist_partition WHERE logicalrelid = 'passkeys'::regclass);
SELECT create_distributed_table('user_phones', 'phone')
WHERE NOT EXISTS (SELECT 1 FROM pg_dist_partition WHERE logicalrelid = 'user_phones'::regclass);
SELECT create_distributed_table('legacy_refresh_tokens', 'token_hash')
WHERE NOT EXISTS (SELECT 1 FROM pg_dist_partition WHERE logicalrelid = 'legacy_refresh_tokens'::regclass);
COMMIT;

-- The account functions (crates/adapters/src/pg/sql/functions/), each distributed by its first argument (the user id)
-- and co-located with users: a call is delegated whole to the worker holding that user's
-- shards. Outside the tables' transaction: Citus propagates a function to the workers only in
-- a transaction that has not yet run parallel commands.
SELECT create_distributed_function('account_rotate(uuid, bytea, bytea, text, float8, float8, float8, text, text)', '$1', colocate_with => 'users');
SELECT create_distributed_function('account_logout(uuid, bytea, text, text, text)', '$1', colocate_with => 'users');
SELECT create_distributed_function('account_revoke_session(uuid, text, float8, text, text, text)', '$1', colocate_with => 'users');
SELECT create_distributed_function('account_revoke_own_session(uuid, text, float8, text, text)', '$1', colocate_with => 'users');
SELECT create_distributed_function('account_set_scope(uuid, text)', '$1', colocate_with => 'users');
SELECT create_distributed_function('account_admin_set_scope(uuid, text, uuid)', '$1', colocate_with => 'users');
SELECT create_distributed_function('account_sign_in(uuid, text, text, bytea, float8, text, text, text)', '$1', colocate_with => 'users');
SELECT create_distributed_function('account_admin_set_blocked(uuid, boolean, uuid)', '$1', colocate_with => 'users');
SELECT create_distributed_function('account_delete(uuid, text, float8, float8, uuid)', '$1', colocate_with => 'users');
SELECT create_distributed_function('account_admin_user_sessions(uuid, uuid)', '$1', colocate_with => 'users');
SELECT create_distributed_function('account_begin_phone_change(uuid, text, float8, text, float8)', '$1', colocate_with => 'users');
SELECT create_distributed_function('account_finish_phone_change(uuid, text, text, boolean, text, text)', '$1', colocate_with => 'users');
SELECT create_distributed_function('account_add_passkey(uuid, text, float8, float8, bytea, bytea, int8, int8, text, text, int8, text, text)', '$1', colocate_with => 'users');
SELECT create_distributed_function('account_passkey_sign_in(uuid, bytea, int8, text, bytea, float8, text, text)', '$1', colocate_with => 'users');
SELECT create_distributed_function('account_recent_session(uuid, text, float8, float8)', '$1', colocate_with => 'users');
SELECT create_distributed_function('account_remove_passkey(uuid, text, float8, float8, bytea, text, text)', '$1', colocate_with => 'users');
