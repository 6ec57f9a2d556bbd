-- The import: who owns each of a batch's phones ($1) here, as one row of two arrays in the same
-- order (phones, owners).
SELECT coalesce(array_agg(phone), '{}'), coalesce(array_agg(user_id::text), '{}')
FROM user_phones WHERE phone = ANY ($1::text[])
