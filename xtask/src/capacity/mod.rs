//! `cargo xtask capacity [USERS]`: what a user, a login, a refresh and a send cost in storage,
//! written by the service's own statements (the account store) and scripts (the OTP store,
//! through the gateway) on the bench stack. docs/CAPACITY.md derives its plan from these
//! figures and from `cargo xtask bench`'s CPU per request.

mod postgres;
mod redis;

use crate::proc::{note, step};
use crate::stack::{Stack, StackLayout};
use crate::{devvars, root};
use auth_ops::db::{block_on, pg_message};

const DATABASE: &str = "auth_capacity";
/// Sends (and as many logins) measured in Redis.
const SENDS: u32 = 5_000;

pub fn capacity(users: u32) -> crate::Result<()> {
    let profile = StackLayout::bench();
    let token = devvars::random_token(24);
    let mut stack = Stack::start_backends(profile.clone(), token.clone())?;
    let result = (|| -> crate::Result<String> {
        let url = fresh_database(&profile)?;
        step(&format!(
            "capacity: {users} first logins, a refresh each, a second login each, a passkey each and a sign-in with it (PostgreSQL)"
        ));
        let growth = postgres::measure(&url, users)?;
        note(&format!("first logins at {:.0}/s", growth.login_rate));
        step(&format!("capacity: {SENDS} sends and logins (Redis)"));
        let memory = redis::measure(&profile.gateway_url(), &token, profile.redis_port, SENDS)?;
        Ok(report(&growth, &memory))
    })();
    stack.shutdown();
    let report = result?;
    println!("\n{report}");
    let path = root().join("target/capacity-report.md");
    std::fs::write(&path, &report).map_err(|e| format!("{}: {e}", path.display()))?;
    note(&format!("written to {}", path.display()));
    Ok(())
}

/// A fresh, migrated database beside the bench's own.
fn fresh_database(layout: &StackLayout) -> crate::Result<String> {
    step(&format!("capacity: a fresh database {DATABASE}, migrated"));
    let admin_url = layout.database_url();
    block_on(async {
        let admin = auth_ops::db::connect(&admin_url, "the bench database").await?;
        for sql in [
            format!("DROP DATABASE IF EXISTS {DATABASE}"),
            format!("CREATE DATABASE {DATABASE}"),
        ] {
            admin
                .batch_execute(&sql)
                .await
                .map_err(|e| format!("{sql}: {}", pg_message(&e)))?;
        }
        Ok::<(), String>(())
    })?;
    let url = format!(
        "{}/{DATABASE}",
        &admin_url[..admin_url.rfind('/').unwrap_or(admin_url.len())]
    );
    auth_ops::migrate::migrate_url(&url)?;
    Ok(url)
}

/// Runs a future whose tasks borrow one connection each (`spawn_local`) on a single thread.
fn block_on_local<F: std::future::Future>(future: F) -> F::Output {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime");
    tokio::task::LocalSet::new().block_on(&runtime, future)
}

fn unix_now() -> i64 {
    let since = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    since.as_secs() as i64
}

fn report(growth: &postgres::Growth, memory: &redis::Memory) -> String {
    let users = f64::from(growth.users);
    let [empty, logged_in, refreshed, returned, enrolled, signed_in] = &growth.stages;
    let mut out = format!(
        "## Storage per user, login, refresh and send (`cargo xtask capacity {}`)\n\n\
         PostgreSQL, rows and bytes (with indexes and TOAST, after `VACUUM ANALYZE`) each step \
         adds, per user:\n\n\
         | table | first login: rows | bytes | a refresh: rows | bytes | a returning login: rows | bytes | a passkey: rows | bytes | a passkey sign-in: rows | bytes |\n\
         |---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n",
        growth.users
    );
    // Rows and bytes a stage added to a table, per user.
    let added = |from: &postgres::Sizes, to: &postgres::Sizes, table: &str| {
        let (a, b) = (from.get(table), to.get(table));
        let (a, b) = (a.copied().unwrap_or((0, 0)), b.copied().unwrap_or((0, 0)));
        ((b.1 - a.1) as f64 / users, (b.0 - a.0) as f64 / users)
    };
    let mut totals = [0.0; 5];
    for table in logged_in.keys() {
        let steps = [
            added(empty, logged_in, table),
            added(logged_in, refreshed, table),
            added(refreshed, returned, table),
            added(returned, enrolled, table),
            added(enrolled, signed_in, table),
        ];
        if steps
            .iter()
            .all(|(rows, bytes)| *rows == 0.0 && *bytes == 0.0)
        {
            continue;
        }
        out.push_str(&format!("| {table} "));
        for (i, (rows, bytes)) in steps.iter().enumerate() {
            totals[i] += bytes;
            out.push_str(&format!("| {rows:.2} | {bytes:.0} "));
        }
        out.push_str("|\n");
    }
    out.push_str(&format!(
        "| **all** | | **{:.0}** | | **{:.0}** | | **{:.0}** | | **{:.0}** | | **{:.0}** |\n\n",
        totals[0], totals[1], totals[2], totals[3], totals[4]
    ));
    out.push_str(&format!(
        "Redis, `used_memory` growth over {} sends (every key alive): {:.0} bytes per send; \
         then as many verified logins: {:.0} bytes per login. One send's keys:\n\n\
         | key | bytes (`MEMORY USAGE`) | lives (s) |\n|---|---|---|\n",
        memory.sends, memory.per_send, memory.per_login
    ));
    for (name, bytes, ttl) in &memory.keys {
        out.push_str(&format!("| {name} | {bytes} | {ttl} |\n"));
    }
    out
}
