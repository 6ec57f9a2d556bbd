-- Frees a phone's claim ($1) if it still names the deleted user ($2): after a deletion, or when
-- a login finds the claim of a deletion that stopped half-way. Routes by the phone.
DELETE FROM user_phones WHERE phone = $1 AND user_id = $2::uuid
