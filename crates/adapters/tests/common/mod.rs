//! Shared setup of the adapters' integration tests: a fresh database per test, reachable
//! directly and through the pooler.

#![allow(dead_code)]

pub mod cluster;
pub mod gateway;
pub mod samples;

use auth_adapters::pg::migrate::Migration;
use tokio_postgres::types::FromSql;
use tokio_postgres::{Client, NoTls};

/// A database made for one test, dropped when the test ends.
pub struct FreshDb {
    pub name: String,
    admin_url: String,
    pooler_url: String,
}

fn env_or(name: &str, default: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| default.to_owned())
}

fn with_database(url: &str, database: &str) -> String {
    let (base, _) = url
        .rsplit_once('/')
        .expect("a postgres URL ends with /database");
    format!("{base}/{database}")
}

pub async fn connect(url: &str) -> Client {
    let (client, connection) = tokio_postgres::connect(url, NoTls)
        .await
        .unwrap_or_else(|e| {
            panic!("cannot connect to {url}: {e}. Run the tests with `cargo xtask test`")
        });
    tokio::spawn(connection);
    client
}

impl FreshDb {
    pub async fn create(label: &str) -> Self {
        let admin_url = env_or(
            "TEST_DATABASE_URL",
            "postgres://postgres@127.0.0.1:5432/postgres",
        );
        let pooler_url = env_or("TEST_POOLER_URL", &admin_url);
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos();
        let name = format!("t_{label}_{nanos}");
        connect(&admin_url)
            .await
            .batch_execute(&format!("CREATE DATABASE {name}"))
            .await
            .unwrap();
        Self {
            name,
            admin_url,
            pooler_url,
        }
    }

    /// A direct connection (sessions, DDL).
    pub async fn direct(&self) -> Client {
        connect(&with_database(&self.admin_url, &self.name)).await
    }

    /// A connection through the transaction-mode pooler, as the worker has through Hyperdrive.
    pub async fn pooled(&self) -> Client {
        connect(&with_database(&self.pooler_url, &self.name)).await
    }
}

impl Drop for FreshDb {
    fn drop(&mut self) {
        let (admin, name) = (self.admin_url.clone(), self.name.clone());
        // Drop runs outside the test's runtime; a short thread with its own runtime does the work.
        let _ = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            rt.block_on(async {
                if let Ok((client, connection)) = tokio_postgres::connect(&admin, NoTls).await {
                    tokio::spawn(connection);
                    let _ = client
                        .batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                        .await;
                }
            });
        })
        .join();
    }
}

/// The project's migrations, read from `migrations/` at the workspace root.
pub fn project_migrations() -> Vec<Migration> {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../migrations");
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "sql"))
        .map(|p| {
            let name = p.file_name().unwrap().to_str().unwrap().to_owned();
            Migration::from_file(&name, std::fs::read_to_string(&p).unwrap()).unwrap()
        })
        .collect()
}

/// The first column of every row `sql` returns (a test's look at what a statement wrote).
pub async fn column<T: for<'a> FromSql<'a>>(client: &Client, sql: &str) -> Vec<T> {
    let rows = client.query(sql, &[]).await.unwrap();
    rows.iter().map(|r| r.get(0)).collect()
}

/// The one value `sql` returns, such as a count.
pub async fn value<T: for<'a> FromSql<'a>>(client: &Client, sql: &str) -> T {
    client.query_one(sql, &[]).await.unwrap().get(0)
}

/// The current time in unix seconds, as the contract suites take it.
pub fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}
