#![cfg(not(target_arch = "wasm32"))]
//! Every statement of the catalogue as Hyperdrive needs it (ARCHITECTURE.md, the invariants):
//! sent unnamed (`Statement::rows`, the one sender), answering one row at most, of built-in
//! types only. Run against a database seeded so that a statement that could answer several
//! rows does: two users, two live sessions of one, two phone claims.

mod common;

use auth_adapters::pg::catalogue::ALL;
use auth_adapters::pg::migrate;
use common::samples::{sample_params, OTHER, SESSION, USER};
use common::{project_migrations, FreshDb};
use tokio_postgres::types::{ToSql, Type};

/// PostgreSQL's first OID for objects made after initdb: a type below it is built in.
const FIRST_NORMAL_OID: u32 = 16_384;

async fn seed(client: &tokio_postgres::Client) {
    let sql = format!(
        "INSERT INTO users (id, phone) VALUES ('{USER}', '+14155552671'), ('{OTHER}', '+14155552672');
         INSERT INTO user_phones (phone, user_id)
         VALUES ('+14155552671', '{USER}'), ('+14155552672', '{OTHER}');
         INSERT INTO sessions (id, user_id, expires_at) VALUES
             ('{SESSION}', '{USER}', now() + interval '1 day'),
             ('other-session-0123456789', '{USER}', now() + interval '1 day'),
             ('{SESSION}', '{OTHER}', now() + interval '1 day');
         INSERT INTO refresh_tokens (token_hash, user_id, session_id, expires_at) VALUES
             (decode(repeat('01', 32), 'hex'), '{USER}', '{SESSION}', now() + interval '1 day'),
             (decode(repeat('04', 32), 'hex'), '{USER}', '{SESSION}', now() + interval '1 day');
         INSERT INTO legacy_refresh_tokens (token_hash, user_id, expires_at)
         VALUES (decode(repeat('03', 32), 'hex'), '{USER}', now() + interval '1 day');
         INSERT INTO passkeys (user_id, credential_id, public_key, algorithm, sign_count, name)
         VALUES ('{USER}', decode(repeat('08', 32), 'hex'), '\\xa5', -7, 0, 'one'),
                ('{USER}', decode(repeat('0a', 32), 'hex'), '\\xa5', -7, 0, 'two');
         INSERT INTO legacy_import_progress (source, phase, last_id)
         VALUES ('explain', 'users', '{USER}');"
    );
    client.batch_execute(&sql).await.unwrap();
}

#[tokio::test]
async fn every_statement_answers_at_most_one_row_of_built_in_types() {
    let db = FreshDb::create("statements").await;
    let client = db.direct().await;
    migrate::apply(&client, project_migrations(), |_, _| {})
        .await
        .unwrap();
    seed(&client).await;
    let mut wrong = Vec::new();
    for statement in ALL {
        let params = sample_params(statement);
        let types: Vec<Type> = params.iter().map(|(_, t)| t.clone()).collect();
        // A describe, for the answer's column types even when it has no row.
        let described = client
            .prepare_typed(statement.sql, &types)
            .await
            .unwrap_or_else(|e| panic!("{}: {e:?}", statement.name));
        for column in described.columns() {
            if column.type_().oid() >= FIRST_NORMAL_OID {
                wrong.push(format!(
                    "{}: column {} has the user-defined type {}",
                    statement.name,
                    column.name(),
                    column.type_()
                ));
            }
        }
        let refs: Vec<(&(dyn ToSql + Sync), Type)> = params
            .iter()
            .map(|(v, t)| (v.as_ref(), t.clone()))
            .collect();
        // Each in a transaction of its own, rolled back: every statement sees the same seed.
        client.batch_execute("BEGIN").await.unwrap();
        let rows = statement
            .rows(&client, &refs)
            .await
            .unwrap_or_else(|e| panic!("{}: {e}", statement.name));
        client.batch_execute("ROLLBACK").await.unwrap();
        if rows.len() > 1 {
            wrong.push(format!("{} answered {} rows", statement.name, rows.len()));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}
