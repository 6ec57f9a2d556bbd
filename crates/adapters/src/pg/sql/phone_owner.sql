-- The account id that owns a phone ($1), if any. Routes by the phone.
SELECT user_id::text FROM user_phones WHERE phone = $1
