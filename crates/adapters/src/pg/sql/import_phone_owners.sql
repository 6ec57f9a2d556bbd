-- The import: who owns each of a batch's phones ($1) here.
SELECT phone, user_id::text FROM user_phones WHERE phone = ANY ($1::text[])
