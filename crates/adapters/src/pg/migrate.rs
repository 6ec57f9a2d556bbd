//! Plain-SQL migrations, applied in order and recorded in `schema_migrations`; then every
//! account function's current body (`super::functions`), which no migration redefines.
//!
//! Each migration runs in its own transaction together with the row that records it, so a failure
//! leaves nothing half-applied. A transaction-scoped advisory lock makes two runners at once safe:
//! the second waits, then sees the version recorded and skips it. A recorded migration whose file
//! changed since is an error, never silently re-run or ignored.

use super::functions::FUNCTIONS;
use super::PgError;
use sha2::{Digest, Sha256};
use tokio_postgres::types::Type;
use tokio_postgres::Client;

/// An arbitrary constant that names this runner's advisory lock.
const MIGRATION_LOCK_KEY: i64 = 0x7068_6f6e_6561_7574; // "phoneaut"

/// One migration file: `NNNN_name.sql`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Migration {
    pub version: i64,
    pub name: String,
    pub sql: String,
}

impl Migration {
    /// Parses a file name of the form `0001_create_users.sql` with its contents.
    pub fn from_file(file_name: &str, sql: String) -> Result<Self, MigrateError> {
        let bad = || MigrateError::BadFileName(file_name.to_owned());
        let stem = file_name.strip_suffix(".sql").ok_or_else(bad)?;
        let (digits, name) = stem.split_once('_').ok_or_else(bad)?;
        if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) || name.is_empty() {
            return Err(bad());
        }
        let version = digits.parse().map_err(|_| bad())?;
        Ok(Self {
            version,
            name: name.to_owned(),
            sql,
        })
    }

    /// Hex SHA-256 of the SQL text: what "changed after it was applied" is judged by.
    pub fn checksum(&self) -> String {
        Sha256::digest(self.sql.as_bytes())
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    }
}

/// Why migrating stopped.
#[derive(Debug, thiserror::Error)]
pub enum MigrateError {
    #[error("migration file name {0:?} must look like 0001_name.sql")]
    BadFileName(String),
    #[error("two migration files share version {0}")]
    DuplicateVersion(i64),
    #[error(
        "migration {version} ({name}) was changed after it was applied: recorded checksum {recorded}, \
         file now {current}. Write a new migration instead of editing an applied one."
    )]
    ChecksumMismatch {
        version: i64,
        name: String,
        recorded: String,
        current: String,
    },
    #[error("migration {version} ({name}) failed: {source}")]
    Failed {
        version: i64,
        name: String,
        #[source]
        source: PgError,
    },
    #[error("function {name} (sql/functions/{name}.sql) failed: {source}")]
    Function {
        name: &'static str,
        #[source]
        source: PgError,
    },
    #[error(transparent)]
    Pg(#[from] PgError),
}

/// What one run did, for the runner's progress output.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Applied,
    AlreadyApplied,
}

/// Sorts and checks a set of migrations: versions must be unique.
pub fn ordered(mut migrations: Vec<Migration>) -> Result<Vec<Migration>, MigrateError> {
    migrations.sort_by_key(|m| m.version);
    for pair in migrations.windows(2) {
        if pair[0].version == pair[1].version {
            return Err(MigrateError::DuplicateVersion(pair[0].version));
        }
    }
    Ok(migrations)
}

/// Applies every migration not yet recorded, in version order, and checks the checksums of
/// those already recorded; then every account function. `progress` is called once per
/// migration with what happened to it. Answers how many functions were applied.
pub async fn apply(
    client: &Client,
    migrations: Vec<Migration>,
    mut progress: impl FnMut(&Migration, &Outcome),
) -> Result<usize, MigrateError> {
    let migrations = ordered(migrations)?;
    create_history_table(client).await?;
    for migration in &migrations {
        let outcome = apply_one(client, migration).await?;
        progress(migration, &outcome);
    }
    apply_functions(client).await?;
    Ok(FUNCTIONS.len())
}

/// Applies every account function as its file has it (`CREATE OR REPLACE`: a body that did not
/// change is replaced by itself), in one locked transaction: all the new bodies or none.
async fn apply_functions(client: &Client) -> Result<(), MigrateError> {
    locked_transaction(client, async || {
        for function in FUNCTIONS {
            client
                .batch_execute(function.sql)
                .await
                .map_err(|e| MigrateError::Function {
                    name: function.name,
                    source: e.into(),
                })?;
        }
        Ok(())
    })
    .await
}

/// Runs `work` in a transaction that holds the runner's advisory lock, committing when it
/// succeeds and rolling back when it fails. The lock is transaction-scoped, so it is released by
/// the COMMIT or ROLLBACK and never outlives the work, also through a transaction-mode pooler.
async fn locked_transaction<T>(
    client: &Client,
    work: impl AsyncFnOnce() -> Result<T, MigrateError>,
) -> Result<T, MigrateError> {
    client.batch_execute("BEGIN").await.map_err(PgError::from)?;
    let result = async {
        client
            .query_typed(
                "SELECT pg_advisory_xact_lock($1)",
                &[(&MIGRATION_LOCK_KEY, Type::INT8)],
            )
            .await
            .map_err(PgError::from)?;
        work().await
    }
    .await;
    let end = if result.is_ok() { "COMMIT" } else { "ROLLBACK" };
    client.batch_execute(end).await.map_err(PgError::from)?;
    result
}

/// Creates `schema_migrations` under the runner's lock: two concurrent `CREATE TABLE IF NOT
/// EXISTS` can both pass the existence check and one then fails on the catalog's unique index.
async fn create_history_table(client: &Client) -> Result<(), MigrateError> {
    locked_transaction(client, async || {
        client
            .batch_execute(
                "CREATE TABLE IF NOT EXISTS schema_migrations (
                    version    bigint PRIMARY KEY,
                    name       text NOT NULL,
                    checksum   text NOT NULL,
                    applied_at timestamptz NOT NULL DEFAULT now()
                )",
            )
            .await
            .map_err(|e| MigrateError::Pg(e.into()))
    })
    .await
}

/// Applies one migration and records it, in one locked transaction; a migration already
/// recorded is only checked against its checksum.
async fn apply_one(client: &Client, migration: &Migration) -> Result<Outcome, MigrateError> {
    let failed = |source: PgError| MigrateError::Failed {
        version: migration.version,
        name: migration.name.clone(),
        source,
    };
    locked_transaction(client, async || {
        let recorded = client
            .query_typed(
                "SELECT checksum FROM schema_migrations WHERE version = $1",
                &[(&migration.version, Type::INT8)],
            )
            .await
            .map_err(PgError::from)?;
        let current = migration.checksum();
        if let Some(row) = recorded.first() {
            let recorded: String = row.get(0);
            if recorded != current {
                return Err(MigrateError::ChecksumMismatch {
                    version: migration.version,
                    name: migration.name.clone(),
                    recorded,
                    current,
                });
            }
            return Ok(Outcome::AlreadyApplied);
        }
        // One statement at a time: Citus refuses several DDL statements in one query string.
        let statements = super::split::statements(&migration.sql).map_err(|message| {
            failed(PgError::Server {
                code: "42601".into(),
                message,
            })
        })?;
        for statement in statements {
            client
                .batch_execute(statement)
                .await
                .map_err(|e| failed(e.into()))?;
        }
        client
            .query_typed(
                "INSERT INTO schema_migrations (version, name, checksum) VALUES ($1, $2, $3)",
                &[
                    (&migration.version, Type::INT8),
                    (&migration.name, Type::TEXT),
                    (&current, Type::TEXT),
                ],
            )
            .await
            .map_err(|e| failed(e.into()))?;
        Ok(Outcome::Applied)
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_parse_into_version_and_name() {
        let m = Migration::from_file("0007_add_index.sql", "SELECT 1".into()).unwrap();
        assert_eq!((m.version, m.name.as_str()), (7, "add_index"));
    }

    #[test]
    fn malformed_file_names_are_rejected() {
        for bad in [
            "init.sql",
            "0001.sql",
            "0001_init.txt",
            "x001_init.sql",
            "_init.sql",
            "0001_.sql",
        ] {
            assert!(
                matches!(
                    Migration::from_file(bad, String::new()),
                    Err(MigrateError::BadFileName(_))
                ),
                "{bad} should be rejected"
            );
        }
    }

    #[test]
    fn duplicate_versions_are_rejected_and_order_is_by_version() {
        let m = |v: i64| Migration {
            version: v,
            name: format!("m{v}"),
            sql: String::new(),
        };
        let sorted = ordered(vec![m(3), m(1), m(2)]).unwrap();
        assert_eq!(
            sorted.iter().map(|m| m.version).collect::<Vec<_>>(),
            [1, 2, 3]
        );
        assert!(matches!(
            ordered(vec![m(1), m(1)]),
            Err(MigrateError::DuplicateVersion(1))
        ));
    }

    #[test]
    fn checksum_changes_with_the_sql() {
        let a = Migration::from_file("0001_a.sql", "CREATE TABLE a ()".into()).unwrap();
        let b = Migration::from_file("0001_a.sql", "CREATE TABLE b ()".into()).unwrap();
        assert_eq!(a.checksum().len(), 64);
        assert_ne!(a.checksum(), b.checksum());
    }
}
