-- The import: an `imported` audit row for each user it created ($1 ids).
INSERT INTO audit_events (user_id, event, detail)
SELECT i.user_id::uuid, 'imported', 'from otp-auth v1'
FROM unnest($1::text[]) AS i (user_id)
