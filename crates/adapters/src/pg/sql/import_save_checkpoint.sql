-- The import: a batch's checkpoint, in the batch's transaction. $1 source, $2 phase, $3 the
-- batch's last source id.
INSERT INTO legacy_import_progress (source, phase, last_id)
VALUES ($1, $2, $3::uuid)
ON CONFLICT (source, phase) DO UPDATE SET last_id = excluded.last_id, updated_at = now()
