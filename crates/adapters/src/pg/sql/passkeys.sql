-- The caller's passkeys (after live_session.sql), oldest first, as one row of arrays (one per
-- column, in the same order): no statement answers more than one row. `live` is 0 when the
-- caller's session is not live; then the user's number (a registration names the passkey's
-- user by it); the arrays are NULL when there is no passkey to list.
SELECT count(*) AS live,
       min(u.phone),
       array_agg(p.credential_id ORDER BY p.created_at, p.credential_id)
           FILTER (WHERE p.user_id IS NOT NULL),
       array_agg(p.name ORDER BY p.created_at, p.credential_id)
           FILTER (WHERE p.user_id IS NOT NULL),
       array_agg(p.transports ORDER BY p.created_at, p.credential_id)
           FILTER (WHERE p.user_id IS NOT NULL),
       array_agg(extract(epoch FROM p.created_at)::int8 ORDER BY p.created_at, p.credential_id)
           FILTER (WHERE p.user_id IS NOT NULL),
       array_agg(extract(epoch FROM p.last_used_at)::int8 ORDER BY p.created_at, p.credential_id)
           FILTER (WHERE p.user_id IS NOT NULL)
FROM live
JOIN users u ON u.id = live.user_id AND u.id = $1::uuid
LEFT JOIN passkeys p ON p.user_id = live.user_id AND p.user_id = $1::uuid
