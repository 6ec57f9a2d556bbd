//! `cargo xtask migrate`: applies `migrations/*.sql` to a database, in order, once.

use crate::proc::{note, step};
use crate::root;
use auth_adapters::pg::migrate::{self, Migration, Outcome};

/// Runs a future to completion on a fresh single-threaded runtime in its own thread, so it works
/// from synchronous code and from inside another runtime alike (the end-to-end tests call the
/// stack functions from async tests).
pub fn block_on<F>(future: F) -> F::Output
where
    F: std::future::Future + Send,
    F::Output: Send,
{
    std::thread::scope(|scope| {
        scope
            .spawn(|| {
                tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .expect("a tokio runtime")
                    .block_on(future)
            })
            .join()
            .expect("the runtime thread panicked")
    })
}

/// A Postgres error with the server's own message when there is one.
pub fn pg_message(err: &tokio_postgres::Error) -> String {
    match err.as_db_error() {
        Some(db) => format!("{} ({})", db.message(), db.code().code()),
        None => err.to_string(),
    }
}

/// Reads every migration file in `migrations/`.
pub fn load() -> crate::Result<Vec<Migration>> {
    let dir = root().join("migrations");
    let mut migrations = Vec::new();
    for entry in
        std::fs::read_dir(&dir).map_err(|e| format!("cannot read {}: {e}", dir.display()))?
    {
        let path = entry.map_err(|e| e.to_string())?.path();
        let Some(name) = path.file_name().and_then(|n| n.to_str()) else {
            continue;
        };
        if !name.ends_with(".sql") {
            continue;
        }
        let sql = std::fs::read_to_string(&path).map_err(|e| format!("cannot read {name}: {e}"))?;
        migrations.push(Migration::from_file(name, sql).map_err(|e| e.to_string())?);
    }
    Ok(migrations)
}

/// A connection to `url`, its driver spawned on the current runtime; `what` names the database
/// in the error.
pub async fn connect(url: &str, what: &str) -> crate::Result<tokio_postgres::Client> {
    let (client, connection) = tokio_postgres::connect(url, tokio_postgres::NoTls)
        .await
        .map_err(|e| format!("cannot connect to {what}: {}", pg_message(&e)))?;
    tokio::spawn(connection);
    Ok(client)
}

/// Applies the migrations to the database at `url` (a direct connection, not the pooler).
pub fn migrate_url(url: &str) -> crate::Result<()> {
    step("migrate: applying migrations/");
    let migrations = load()?;
    block_on(async {
        let (client, connection) = tokio_postgres::connect(url, tokio_postgres::NoTls)
            .await
            .map_err(|e| format!("cannot connect to the database to migrate: {e}"))?;
        let driver = tokio::spawn(connection);
        let result = migrate::apply(&client, migrations, |m, outcome| {
            let what = match outcome {
                Outcome::Applied => "applied",
                Outcome::AlreadyApplied => "already applied",
            };
            note(&format!("{:04}_{}: {what}", m.version, m.name));
        })
        .await
        .map(|functions| note(&format!("{functions} account functions applied")))
        .map_err(|e| e.to_string());
        drop(client);
        let _ = driver.await;
        result
    })
}
