//! Every SQL statement the service sends, each from its own file under `sql/` (as the Lua
//! scripts are), named, with where it runs on a Citus cluster. [`ALL`] lists them; the routing
//! proof (`citus_routing.rs`) checks each against `citus/distribute.sql`, and a test fails when
//! the crate sends a statement from anywhere but here (migrations aside: `migrate.rs` applies the
//! files of `migrations/`, which are DDL run once by an operator, never on a request).

use super::PgError;
use tokio_postgres::types::{ToSql, Type};
use tokio_postgres::{Client, Row};

/// Where a statement runs on Citus.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Routing {
    /// Every distributed table it touches is pinned by this parameter on its distribution
    /// column, and the router planner sends it whole to one shard: one task.
    Shard(&'static str),
    /// A call of an account function (`functions.rs`) that `citus/distribute.sql` distributes by this
    /// argument, co-located with `users`: Citus delegates the whole call to the worker holding
    /// the user's shards (one task), and the function's statement, every table in it pinned by
    /// that argument, runs there. These are the writes with several modifying CTEs, which Citus
    /// would otherwise plan in steps, one coordinator-to-worker round trip each.
    Delegated(&'static str),
    /// It reads every shard by nature (the admin listing: an operator call, not a hot path).
    FansOut,
    /// It writes or reads a batch of rows for many shards, through the coordinator: the
    /// operator's import from the Go service (`auth-ops import-otp-auth`), never a request.
    Batch,
    /// It touches only tables that stay on the coordinator (`schema_migrations`, the import's
    /// checkpoints).
    Coordinator,
}

/// One statement of the catalogue.
#[derive(Debug)]
pub struct Statement {
    pub name: &'static str,
    pub sql: &'static str,
    /// The files it is made of, in order (a statement for a bearer starts with the live-session
    /// check, written once).
    pub files: &'static [&'static str],
    pub routing: Routing,
}

/// The parameters of a statement, each with its wire type (statements are sent unnamed, so the
/// types travel with them instead of coming from a prepare round trip).
pub type Params<'a> = [(&'a (dyn ToSql + Sync), Type)];

impl Statement {
    /// Sends the statement unnamed and returns its rows.
    pub async fn rows(&self, client: &Client, params: &Params<'_>) -> Result<Vec<Row>, PgError> {
        Ok(client.query_typed(self.sql, params).await?)
    }

    /// The first row, or a server-side error naming the statement when there is none (every
    /// statement that uses this always returns one).
    pub async fn row(&self, client: &Client, params: &Params<'_>) -> Result<Row, PgError> {
        self.rows(client, params)
            .await?
            .into_iter()
            .next()
            .ok_or_else(|| PgError::Server {
                code: "P0002".into(),
                message: format!("{} returned no row", self.name),
            })
    }
}

/// Runs `body` (statements of the catalogue) in one transaction on `client`: committed when
/// it succeeds, rolled back when it fails. For the import's batches, on a direct connection or
/// a transaction-mode pooler (which keeps one server connection until the COMMIT).
pub async fn in_transaction<T>(
    client: &Client,
    body: impl std::future::Future<Output = Result<T, PgError>>,
) -> Result<T, PgError> {
    client.batch_execute("BEGIN").await?;
    let result = async {
        let value = body.await?;
        client.batch_execute("COMMIT").await?;
        Ok(value)
    }
    .await;
    if result.is_err() {
        // The connection may be gone too; the server rolls back on its own then.
        let _ = client.batch_execute("ROLLBACK").await;
    }
    result
}

macro_rules! statement {
    ($name:ident, $routing:expr, $($file:literal),+) => {
        pub const $name: Statement = Statement {
            name: stringify!($name),
            sql: concat!($(include_str!(concat!("sql/", $file))),+),
            files: &[$($file),+],
            routing: $routing,
        };
    };
}

use Routing::{Batch, Coordinator, Delegated, FansOut, Shard};

statement!(CLAIM_PHONE, Shard("$1"), "claim_phone.sql");
statement!(PHONE_OWNER, Shard("$1"), "phone_owner.sql");
statement!(LOGIN, Delegated("$1"), "login.sql");
statement!(PROFILE, Shard("$1"), "live_session.sql", "profile.sql");
statement!(SESSIONS, Shard("$1"), "live_session.sql", "sessions.sql");
statement!(REVOKE_SESSION, Delegated("$1"), "revoke_session.sql");
statement!(
    REVOKE_OWN_SESSION,
    Delegated("$1"),
    "revoke_own_session.sql"
);
statement!(ROTATE, Delegated("$1"), "rotate.sql");
statement!(LOGOUT, Delegated("$1"), "logout.sql");
statement!(GET_USER, Shard("$1"), "get_user.sql");
statement!(SET_SCOPE, Delegated("$1"), "set_scope.sql");
statement!(ADMIN_SET_SCOPE, Delegated("$1"), "admin_set_scope.sql");
statement!(USER_SESSIONS, Delegated("$1"), "user_sessions.sql");
statement!(ADMIN_SET_BLOCKED, Delegated("$1"), "admin_set_blocked.sql");
statement!(DELETE_ACCOUNT, Delegated("$1"), "delete_account.sql");
statement!(RELEASE_PHONE, Shard("$1"), "release_phone.sql");
statement!(
    PHONE_CHANGE_BEGIN,
    Delegated("$1"),
    "phone_change_begin.sql"
);
statement!(
    PHONE_CHANGE_FINISH,
    Delegated("$1"),
    "phone_change_finish.sql"
);
statement!(ADD_PASSKEY, Delegated("$1"), "add_passkey.sql");
statement!(PASSKEY_KEY, Shard("$1"), "passkey_key.sql");
statement!(PASSKEY_SIGN_IN, Delegated("$1"), "passkey_sign_in.sql");
statement!(PASSKEYS, Shard("$1"), "live_session.sql", "passkeys.sql");
statement!(REMOVE_PASSKEY, Delegated("$1"), "remove_passkey.sql");
statement!(LIST_USERS, FansOut, "list_users.sql");
statement!(SCHEMA_VERSION, Coordinator, "schema_version.sql");
statement!(LEGACY_TOKEN_OWNER, Shard("$1"), "legacy_token_owner.sql");
statement!(IMPORT_USERS_FOUND, Batch, "import_users_found.sql");
statement!(IMPORT_USERS_DELETED, Batch, "import_users_deleted.sql");
statement!(IMPORT_PHONE_OWNERS, Batch, "import_phone_owners.sql");
statement!(IMPORT_CLAIM_PHONES, Batch, "import_claim_phones.sql");
statement!(IMPORT_USERS, Batch, "import_users.sql");
statement!(IMPORT_AUDIT, Batch, "import_audit.sql");
statement!(IMPORT_SESSIONS, Batch, "import_sessions.sql");
statement!(IMPORT_TOKENS_FOUND, Batch, "import_tokens_found.sql");
statement!(IMPORT_TOKENS, Batch, "import_tokens.sql");
statement!(IMPORT_TOKEN_OWNERS, Batch, "import_token_owners.sql");
statement!(IMPORT_CHECKPOINT, Coordinator, "import_checkpoint.sql");
statement!(
    IMPORT_SAVE_CHECKPOINT,
    Coordinator,
    "import_save_checkpoint.sql"
);
statement!(IMPORT_FINISH, Coordinator, "import_finish.sql");

/// The catalogue: every statement the crate sends.
pub const ALL: &[&Statement] = &[
    &CLAIM_PHONE,
    &PHONE_OWNER,
    &LOGIN,
    &PROFILE,
    &SESSIONS,
    &REVOKE_SESSION,
    &REVOKE_OWN_SESSION,
    &ROTATE,
    &LOGOUT,
    &GET_USER,
    &SET_SCOPE,
    &ADMIN_SET_SCOPE,
    &USER_SESSIONS,
    &ADMIN_SET_BLOCKED,
    &DELETE_ACCOUNT,
    &RELEASE_PHONE,
    &PHONE_CHANGE_BEGIN,
    &PHONE_CHANGE_FINISH,
    &ADD_PASSKEY,
    &PASSKEY_KEY,
    &PASSKEY_SIGN_IN,
    &PASSKEYS,
    &REMOVE_PASSKEY,
    &LIST_USERS,
    &SCHEMA_VERSION,
    &LEGACY_TOKEN_OWNER,
    &IMPORT_USERS_FOUND,
    &IMPORT_USERS_DELETED,
    &IMPORT_PHONE_OWNERS,
    &IMPORT_CLAIM_PHONES,
    &IMPORT_USERS,
    &IMPORT_AUDIT,
    &IMPORT_SESSIONS,
    &IMPORT_TOKENS_FOUND,
    &IMPORT_TOKENS,
    &IMPORT_TOKEN_OWNERS,
    &IMPORT_CHECKPOINT,
    &IMPORT_SAVE_CHECKPOINT,
    &IMPORT_FINISH,
];

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests;
