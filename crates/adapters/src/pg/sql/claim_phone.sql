-- The account id of a phone, claiming the candidate id ($2) when the phone has none. Routes by
-- the phone (user_phones is distributed by it). The no-op update makes a taken phone return its
-- owner, even one claimed by a transaction that committed a moment ago.
INSERT INTO user_phones AS p (phone, user_id) VALUES ($1, $2::uuid)
ON CONFLICT (phone) DO UPDATE SET user_id = p.user_id
RETURNING p.user_id::text
