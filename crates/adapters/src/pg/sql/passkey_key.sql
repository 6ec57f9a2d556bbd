-- The public key a sign-in's signature is checked with: $1 the user the assertion's user handle
-- names, $2 the credential id. A plain read, which a pooler may serve from its cache: the
-- sign-in's write (passkey_sign_in.sql) finds the passkey again before it starts a session, so
-- a passkey removed meanwhile signs no one in.
SELECT p.public_key, p.algorithm::int8
FROM passkeys p
WHERE p.user_id = $1::uuid AND p.credential_id = $2
