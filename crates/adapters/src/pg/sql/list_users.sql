-- One page of users, newest first, with the total that matches the filters, as one row: the
-- total, then the page's users as arrays (one per column, in page order; no statement answers
-- more than one row: ARCHITECTURE.md, the invariants). Reads every shard: an operator call, not
-- a hot path.
-- $1 phone LIKE pattern (`+9891%`, or `%9891%` anywhere: the trigram index of migration 0005
-- serves both), $2 created from (date), $3 created to (date, inclusive), $4 limit, $5 offset
WITH filtered AS (
    SELECT id, phone, scope, created_at, updated_at FROM users
    WHERE ($1::text IS NULL OR phone LIKE $1)
      AND ($2::text IS NULL OR created_at >= $2::text::date)
      AND ($3::text IS NULL OR created_at < $3::text::date + 1)
), page AS (
    SELECT * FROM filtered ORDER BY created_at DESC, id LIMIT $4 OFFSET $5
)
SELECT (SELECT count(*) FROM filtered)::int8,
       coalesce(array_agg(p.id::text ORDER BY p.created_at DESC, p.id), '{}'),
       coalesce(array_agg(p.phone ORDER BY p.created_at DESC, p.id), '{}'),
       coalesce(array_agg(p.scope ORDER BY p.created_at DESC, p.id), '{}'),
       coalesce(array_agg(extract(epoch FROM p.created_at)::int8 ORDER BY p.created_at DESC, p.id), '{}'),
       coalesce(array_agg(extract(epoch FROM p.updated_at)::int8 ORDER BY p.created_at DESC, p.id), '{}')
FROM page p
