-- Distributes the schema over a Citus cluster. Run once on the coordinator, after the
-- migrations, before traffic (create_distributed_table moves existing rows into shards):
--
--     psql "$COORDINATOR_URL" -v ON_ERROR_STOP=1 -f citus/distribute.sql
--
-- Distribution columns, chosen so every hot-path statement routes to one shard
-- (ARCHITECTURE.md, "Citus"; checked statement by statement by the adapters' routing test):
--   users, sessions, refresh_tokens, audit_events  by the user id, co-located, so a login's
--     account write, a refresh, a logout and a session check each stay on the user's shard;
--   user_phones  by the phone: the one statement that starts from a phone number (the claim).
-- schema_migrations stays a local table on the coordinator.

BEGIN;
SELECT create_distributed_table('users', 'id');
SELECT create_distributed_table('sessions', 'user_id', colocate_with => 'users');
SELECT create_distributed_table('refresh_tokens', 'user_id', colocate_with => 'users');
SELECT create_distributed_table('audit_events', 'user_id', colocate_with => 'users');
SELECT create_distributed_table('user_phones', 'phone');
COMMIT;
