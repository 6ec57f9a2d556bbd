-- The caller's live session, checked and marked used: $1 user id, $2 session id, $3 idle timeout
-- in seconds (0: off). An UPDATE, not a SELECT: poolers such as Hyperdrive may cache plain
-- reads, and a revoked session must stop working at once. Every statement that acts for a
-- bearer starts with this CTE (catalogue.rs joins it in front of the statement's own text).
WITH live AS (
    UPDATE sessions SET last_used_at = now()
    WHERE user_id = $1::uuid AND id = $2 AND revoked_at IS NULL AND expires_at > now()
      AND ($3::float8 = 0 OR last_used_at > now() - make_interval(secs => $3::float8))
    RETURNING user_id
)
