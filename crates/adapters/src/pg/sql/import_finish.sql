-- The import: a finished run forgets its source's ($1) checkpoints, so the next run is a whole
-- new pass.
DELETE FROM legacy_import_progress WHERE source = $1
