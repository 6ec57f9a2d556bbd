-- The latest applied migration: one round trip that proves the database answers and has the
-- schema. schema_migrations stays local to the coordinator on Citus.
SELECT coalesce(max(version), 0)::int8 FROM schema_migrations
