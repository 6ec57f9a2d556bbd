-- The import: the last source id of the last batch written for a source ($1) and phase ($2).
SELECT last_id::text FROM legacy_import_progress WHERE source = $1 AND phase = $2
