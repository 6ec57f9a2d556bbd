//! `auth-ops migrate`: applies the migrations compiled into the binary (`migrations/`), in
//! order, once each, then the account functions (`auth_adapters::pg::migrate::apply`: checksums,
//! a lock, one transaction per migration).

use crate::db::block_on;
use auth_adapters::pg::migrate::{self, Migration, Outcome};

include!(concat!(env!("OUT_DIR"), "/migrations.rs"));

/// Every migration, parsed from its file name and SQL.
pub fn migrations() -> crate::Result<Vec<Migration>> {
    MIGRATIONS
        .iter()
        .map(|(name, sql)| Migration::from_file(name, (*sql).to_owned()).map_err(|e| e.to_string()))
        .collect()
}

/// Applies the migrations to the database at `url` (a direct connection, not the pooler),
/// with a line per migration.
pub fn migrate_url(url: &str) -> crate::Result<()> {
    println!("==> migrate: applying migrations/ and the account functions");
    let migrations = migrations()?;
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
            println!("    {:04}_{}: {what}", m.version, m.name);
        })
        .await
        .map(|functions| println!("    {functions} account functions applied"))
        .map_err(|e| e.to_string());
        drop(client);
        let _ = driver.await;
        result
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_migration_file_is_compiled_in_and_in_order() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../migrations");
        let on_disk = std::fs::read_dir(dir)
            .unwrap()
            .filter(|e| {
                e.as_ref()
                    .unwrap()
                    .path()
                    .extension()
                    .is_some_and(|x| x == "sql")
            })
            .count();
        let compiled = migrations().unwrap();
        assert_eq!(compiled.len(), on_disk);
        let versions: Vec<i64> = compiled.iter().map(|m| m.version).collect();
        assert!(versions.windows(2).all(|w| w[0] < w[1]), "{versions:?}");
    }
}
