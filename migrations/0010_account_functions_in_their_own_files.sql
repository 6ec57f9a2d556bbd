-- From here on, each account function's current body is one file of the adapters' catalogue,
-- crates/adapters/src/pg/sql/functions/NAME.sql (CREATE OR REPLACE FUNCTION), and the migrator
-- applies every one after the migrations: a body changes by an edit of its file, never by a
-- migration that redefines it (the definitions in migrations 0004 to 0009 are their history,
-- replaced on every run). A migration still drops a function, as here: account_login (0004),
-- which account_sign_in (0008) replaced and no statement has called since. On Citus the drop
-- reaches the workers; citus/distribute.sql no longer distributes it.
DROP FUNCTION IF EXISTS account_login(uuid, text, text, bytea, float8, text, text, text);
