#!/bin/sh
# Applies migrations/*.sql in order inside the compose stack, recording each in schema_migrations
# with the same table and checksum (hex SHA-256 of the file) as `cargo xtask migrate`, so the two
# runners agree on what was applied. A recorded migration whose file changed stops the run.
set -eu
export PGHOST=postgres PGUSER=auth PGDATABASE=auth
psql -v ON_ERROR_STOP=1 -q -c "CREATE TABLE IF NOT EXISTS schema_migrations (
  version bigint PRIMARY KEY, name text NOT NULL, checksum text NOT NULL,
  applied_at timestamptz NOT NULL DEFAULT now())"
for file in /migrations/*.sql; do
  base=$(basename "$file" .sql)
  version=$(echo "$base" | cut -d_ -f1 | sed 's/^0*//')
  name=$(echo "$base" | cut -d_ -f2-)
  sum=$(sha256sum "$file" | cut -d' ' -f1)
  recorded=$(psql -tAc "SELECT checksum FROM schema_migrations WHERE version = $version")
  if [ -n "$recorded" ]; then
    [ "$recorded" = "$sum" ] || { echo "migration $base changed after it was applied" >&2; exit 1; }
    echo "$base: already applied"
    continue
  fi
  { echo "BEGIN;"; cat "$file"; echo ";"; \
    echo "INSERT INTO schema_migrations (version, name, checksum) VALUES ($version, '$name', '$sum');"; \
    echo "COMMIT;"; } | psql -v ON_ERROR_STOP=1 -q
  echo "$base: applied"
done
