-- The otp-auth-v1 profile's users list matches `search_phone` anywhere in the number
-- (`phone LIKE '%9891%'`), which a B-tree cannot serve: a trigram index can. The native prefix
-- search keeps its B-tree (`users_phone_prefix_idx`, migration 0001). The index's cost (size,
-- build time, write overhead) and what it buys on a million users are in BENCHMARKS.md
-- (`cargo xtask bench-search`).
-- pg_trgm is a trusted extension: the database's owner may create it. On Citus the coordinator
-- propagates both statements to every worker and shard.
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE INDEX users_phone_trgm_idx ON users USING gin (phone gin_trgm_ops);
