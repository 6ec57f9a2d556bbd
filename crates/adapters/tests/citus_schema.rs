#![cfg(not(target_arch = "wasm32"))]
//! The operator's Citus script (`citus/distribute.sql`) run as-is against the migrated schema,
//! with a stand-in for `create_distributed_table` that refuses what Citus refuses (see the
//! fixture). No Citus runs here; the statements' routing is proven by the adapters' unit test
//! `pg::accounts::citus_routing`.

mod common;

use auth_adapters::pg::migrate;
use common::{project_migrations, FreshDb};

const STUB: &str = include_str!("fixtures/citus_stub.sql");
const SCRIPT: &str = include_str!("../../../citus/distribute.sql");

async fn migrated_through(label: &str, last_version: i64) -> FreshDb {
    let db = FreshDb::create(label).await;
    let migrations = project_migrations()
        .into_iter()
        .filter(|m| m.version <= last_version)
        .collect();
    let client = db.direct().await;
    migrate::apply(&client, migrations, |_, _| {})
        .await
        .unwrap();
    client.batch_execute(STUB).await.unwrap();
    db
}

#[tokio::test]
async fn the_script_distributes_the_migrated_schema() {
    let db = migrated_through("citus_ok", i64::MAX).await;
    let client = db.direct().await;
    client.batch_execute(SCRIPT).await.unwrap();
    let rows = client
        .query(
            "SELECT d.tbl::text, a.attname::text, d.grp::text FROM citus_stub_distribution d
             JOIN pg_attribute a ON a.attrelid = d.tbl AND a.attnum = d.col ORDER BY 1",
            &[],
        )
        .await
        .unwrap();
    let got: Vec<(String, String, String)> = rows
        .iter()
        .map(|r| (r.get(0), r.get(1), r.get(2)))
        .collect();
    let want = [
        ("audit_events", "user_id", "users"),
        ("refresh_tokens", "user_id", "users"),
        ("sessions", "user_id", "users"),
        ("user_phones", "phone", "user_phones"),
        ("users", "id", "users"),
    ];
    assert_eq!(
        got,
        want.map(|(a, b, c)| (a.to_owned(), b.to_owned(), c.to_owned()))
    );
    // Every table of the schema is distributed, except the migrations' own bookkeeping.
    let local: Vec<String> = common::column(
        &client,
        "SELECT c.relname::text FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
             WHERE n.nspname = 'public' AND c.relkind = 'r'
               AND c.oid NOT IN (SELECT tbl FROM citus_stub_distribution)
             ORDER BY 1",
    )
    .await;
    assert_eq!(local, ["citus_stub_distribution", "schema_migrations"]);
}

#[tokio::test]
async fn the_schema_before_token_routing_could_not_be_distributed() {
    // Migration 0002's schema still had the unique index on the token hash alone.
    let db = migrated_through("citus_old", 2).await;
    let err = db.direct().await.batch_execute(SCRIPT).await.unwrap_err();
    let message = err.as_db_error().map(|e| e.message().to_owned());
    assert!(
        message
            .as_deref()
            .is_some_and(|m| m.contains("refresh_tokens_hash_idx")),
        "{err:?}"
    );
}

#[tokio::test]
async fn the_stand_in_refuses_what_citus_refuses() {
    let db = migrated_through("citus_refusals", i64::MAX).await;
    let client = db.direct().await;
    let cases = [
        // Distributing a referencing table before the table it references.
        (
            "SELECT create_distributed_table('sessions', 'user_id')",
            "not distributed",
        ),
        // Co-locating tables whose distribution columns differ in type.
        (
            "SELECT create_distributed_table('users', 'id');
             SELECT create_distributed_table('user_phones', 'phone', colocate_with => 'users')",
            "types differ",
        ),
        // A foreign key into another co-location group.
        (
            "SELECT create_distributed_table('users', 'id');
             SELECT create_distributed_table('sessions', 'id', colocate_with => 'none')",
            "in another co-location group",
        ),
        // A unique index without the distribution column.
        (
            "CREATE UNIQUE INDEX by_hash ON refresh_tokens (token_hash);
             SELECT create_distributed_table('users', 'id');
             SELECT create_distributed_table('sessions', 'user_id', colocate_with => 'users');
             SELECT create_distributed_table('refresh_tokens', 'user_id', colocate_with => 'users')",
            "unique index \"by_hash\"",
        ),
    ];
    for (sql, expected) in cases {
        let err = client
            .batch_execute(&format!("BEGIN; {sql}; COMMIT;"))
            .await
            .unwrap_err();
        client.batch_execute("ROLLBACK").await.unwrap();
        let message = err
            .as_db_error()
            .map(|e| e.message().to_owned())
            .unwrap_or_default();
        assert!(message.contains(expected), "{sql}: {message}");
    }
}
