#![cfg(not(target_arch = "wasm32"))]
//! The Postgres adapter and the migration runner against a real PostgreSQL, through PgBouncer in
//! transaction mode where the worker would go through Hyperdrive.

mod common;

use auth_adapters::pg::migrate::{self, MigrateError, Migration, Outcome};
use auth_adapters::pg::{PgError, PgStore};
use common::{project_migrations, FreshDb};

async fn apply(
    client: &tokio_postgres::Client,
    migrations: Vec<Migration>,
) -> Result<Vec<Outcome>, MigrateError> {
    let mut outcomes = Vec::new();
    migrate::apply(client, migrations, |_, o| outcomes.push(o.clone())).await?;
    Ok(outcomes)
}

#[tokio::test]
async fn the_project_migrations_apply_once_and_a_second_run_changes_nothing() {
    let db = FreshDb::create("migrate_twice").await;
    let client = db.direct().await;
    let first = apply(&client, project_migrations()).await.unwrap();
    assert!(!first.is_empty() && first.iter().all(|o| *o == Outcome::Applied));
    let second = apply(&client, project_migrations()).await.unwrap();
    assert!(second.iter().all(|o| *o == Outcome::AlreadyApplied));
    let tables: Vec<String> = common::column(
        &client,
        "SELECT tablename::text FROM pg_tables WHERE schemaname = 'public' ORDER BY 1",
    )
    .await;
    for table in [
        "refresh_tokens",
        "schema_migrations",
        "sessions",
        "user_phones",
        "users",
    ] {
        assert!(
            tables.iter().any(|t| t == table),
            "{table} missing from {tables:?}"
        );
    }
}

#[tokio::test]
async fn an_edited_applied_migration_fails_loudly() {
    let db = FreshDb::create("migrate_checksum").await;
    let client = db.direct().await;
    let original = Migration::from_file("0001_t.sql", "CREATE TABLE t (id int)".into()).unwrap();
    apply(&client, vec![original]).await.unwrap();
    let edited = Migration::from_file("0001_t.sql", "CREATE TABLE t (id bigint)".into()).unwrap();
    let err = apply(&client, vec![edited]).await.unwrap_err();
    assert!(
        matches!(err, MigrateError::ChecksumMismatch { version: 1, .. }),
        "{err}"
    );
    assert!(err.to_string().contains("changed after it was applied"));
}

#[tokio::test]
async fn a_failing_migration_leaves_nothing_half_applied() {
    let db = FreshDb::create("migrate_atomic").await;
    let client = db.direct().await;
    let good = Migration::from_file("0001_good.sql", "CREATE TABLE good (id int)".into()).unwrap();
    let bad = Migration::from_file(
        "0002_bad.sql",
        "CREATE TABLE half (id int); INSERT INTO no_such_table VALUES (1);".into(),
    )
    .unwrap();
    let err = apply(&client, vec![good, bad]).await.unwrap_err();
    assert!(
        matches!(err, MigrateError::Failed { version: 2, .. }),
        "{err}"
    );
    let half = client
        .query("SELECT 1 FROM pg_tables WHERE tablename = 'half'", &[])
        .await
        .unwrap();
    assert!(
        half.is_empty(),
        "the failed migration's first statement must be rolled back"
    );
    let recorded: Vec<i64> = common::column(&client, "SELECT version FROM schema_migrations").await;
    assert_eq!(recorded, [1]);
}

#[tokio::test]
async fn concurrent_runners_apply_each_migration_exactly_once() {
    let db = FreshDb::create("migrate_race").await;
    let mut runners = Vec::new();
    for _ in 0..4 {
        let client = db.direct().await;
        runners.push(tokio::spawn(async move {
            apply(&client, project_migrations()).await
        }));
    }
    let mut applied = 0;
    for runner in runners {
        applied += runner
            .await
            .unwrap()
            .unwrap()
            .iter()
            .filter(|o| **o == Outcome::Applied)
            .count();
    }
    assert_eq!(applied, project_migrations().len());
}

#[tokio::test]
async fn ping_through_the_transaction_pooler_reports_the_schema_version() {
    let db = FreshDb::create("ping_pooled").await;
    apply(&db.direct().await, project_migrations())
        .await
        .unwrap();
    let pooled = db.pooled().await;
    let store = PgStore::new(&pooled);
    // Many round trips on one pooled client: each statement may land on another server
    // connection, which only unnamed statements survive.
    for _ in 0..50 {
        assert_eq!(
            store.ping().await.unwrap(),
            project_migrations().len() as i64
        );
    }
}

#[tokio::test]
async fn ping_on_an_unmigrated_database_is_a_server_error_not_a_hang() {
    let db = FreshDb::create("ping_unmigrated").await;
    let pooled = db.pooled().await;
    let err = PgStore::new(&pooled).ping().await.unwrap_err();
    assert!(
        matches!(&err, PgError::Server { code, .. } if code == "42P01"),
        "{err}"
    );
}
