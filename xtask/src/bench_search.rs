//! `cargo xtask bench-search [USERS]`: what the trigram index on `users.phone` (migration 0005)
//! costs and buys, on the bench stack's PostgreSQL with USERS users (a million by default).
//!
//! In one run, on one database: the admin listing's real statement (the adapter's
//! `list_users`) for a search anywhere in the number (the otp-auth-v1 profile) and for a prefix
//! (native), each timed as the median of several runs with the index and again after dropping
//! it; the index's size; and the time to insert a batch of users with and without it. Each
//! number is reported as a ratio against its counterpart measured in the same run.

use crate::proc::{note, step};
use crate::stack::{postgres, StackLayout};
use auth_adapters::pg::PgAccountStore;
use auth_core::domain::admin::{Rules, UserQuery};
use auth_core::ports::AccountStore;
use auth_ops::db::{block_on, pg_message};
use std::time::{Duration, Instant};
use tokio_postgres::Client;

const DATABASE: &str = "auth_bench_search";
/// Runs per query and index state; the median is reported.
const RUNS: usize = 15;
/// Users inserted to measure the write overhead.
const BATCH: u32 = 50_000;

/// The searches timed: a label, the `search_phone` value, and the profile's rules.
const SEARCHES: [(&str, &str, Rules); 3] = [
    (
        "anywhere, 4 digits (otp-auth-v1)",
        "4567",
        Rules::GO_SERVICE,
    ),
    (
        "anywhere, 6 digits (otp-auth-v1)",
        "234567",
        Rules::GO_SERVICE,
    ),
    ("prefix, 9 digits (native)", "+98912345", Rules::NATIVE),
];

pub fn bench(users: u32) -> crate::Result<()> {
    let layout = StackLayout::bench();
    step("bench-search: the bench stack's PostgreSQL");
    let started = postgres::start(&layout)?;
    let result = block_on(run(&layout, users));
    if started {
        postgres::stop(&layout);
    }
    let report = result?;
    println!("\n{report}");
    Ok(())
}

async fn exec(client: &Client, sql: &str) -> crate::Result<()> {
    client
        .batch_execute(sql)
        .await
        .map_err(|e| format!("{sql}: {}", pg_message(&e)))
}

/// `count` users with distinct numbers `+98912…`, numbered from `first`, created a second apart.
fn insert_users(first: u32, count: u32) -> String {
    format!(
        "INSERT INTO users (id, phone, created_at, updated_at) \
         SELECT gen_random_uuid(), '+98912' || lpad(((i::int8 * 7919) % 10000000)::text, 7, '0'), \
                now() - i * interval '1 second', now() \
         FROM generate_series({first}, {}) AS i",
        first + count - 1
    )
}

async fn run(layout: &StackLayout, users: u32) -> crate::Result<String> {
    let admin = auth_ops::db::connect(&layout.database_url(), "the bench database").await?;
    exec(&admin, &format!("DROP DATABASE IF EXISTS {DATABASE}")).await?;
    exec(&admin, &format!("CREATE DATABASE {DATABASE}")).await?;
    let base = layout.database_url();
    let url = format!(
        "{}/{DATABASE}",
        &base[..base.rfind('/').unwrap_or(base.len())]
    );
    let db = auth_ops::db::connect(&url, DATABASE).await?;
    let migrations = auth_ops::migrate::migrations()?;
    auth_adapters::pg::migrate::apply(&db, migrations, |_, _| {})
        .await
        .map_err(|e| e.to_string())?;

    step(&format!("bench-search: {users} users"));
    let loading = Instant::now();
    exec(&db, &insert_users(1, users)).await?;
    exec(&db, "ANALYZE users").await?;
    note(&format!("loaded and indexed in {:.1?}", loading.elapsed()));
    let size: i64 = db
        .query_one("SELECT pg_relation_size('users_phone_trgm_idx')", &[])
        .await
        .map_err(|e| pg_message(&e))?
        .get(0);
    let table: i64 = db
        .query_one("SELECT pg_relation_size('users')", &[])
        .await
        .map_err(|e| pg_message(&e))?
        .get(0);

    step("bench-search: searches with the index");
    let with = time_searches(&db).await?;
    step("bench-search: the same without it");
    exec(&db, "DROP INDEX users_phone_trgm_idx; ANALYZE users").await?;
    let without = time_searches(&db).await?;
    step("bench-search: writes without the index, then with it");
    let write_without = time_insert(&db, users + 1).await?;
    let building = Instant::now();
    exec(
        &db,
        "CREATE INDEX users_phone_trgm_idx ON users USING gin (phone gin_trgm_ops)",
    )
    .await?;
    let build = building.elapsed();
    note(&format!("index built in {build:.1?}"));
    let write_with = time_insert(&db, users + 1 + BATCH).await?;
    exec(&admin, &format!("DROP DATABASE IF EXISTS {DATABASE}"))
        .await
        .ok();

    let mut report = format!(
        "## Phone search on {users} users (`cargo xtask bench-search {users}`)\n\n\
         | search | with the trigram index | without | without / with |\n|---|---|---|---|\n"
    );
    for ((label, matches, w), (_, _, wo)) in with.iter().zip(&without) {
        report.push_str(&format!(
            "| {label}: {matches} matches | {w:.1?} | {wo:.1?} | {:.1}x |\n",
            wo.as_secs_f64() / w.as_secs_f64()
        ));
    }
    report.push_str(&format!(
        "| insert {BATCH} users | {write_with:.1?} | {write_without:.1?} | {:.2}x |\n\n\
         Index size: {} MiB, {:.2}x the table's {} MiB; built in {build:.1?}. Searches: the \
         median of {RUNS} runs each, over the same rows with and without the index.\n",
        write_without.as_secs_f64() / write_with.as_secs_f64(),
        size / (1 << 20),
        size as f64 / table as f64,
        table / (1 << 20),
    ));
    Ok(report)
}

/// Each search's label, match count and median time.
async fn time_searches(db: &Client) -> crate::Result<Vec<(&'static str, u64, Duration)>> {
    let store = PgAccountStore::new(db);
    let mut out = Vec::new();
    for (label, value, rules) in SEARCHES {
        let query = UserQuery::parse_with([("search_phone", value)], rules)?;
        let mut times = Vec::with_capacity(RUNS);
        let mut total = 0;
        for _ in 0..RUNS {
            let started = Instant::now();
            let page = store.list_users(&query).await.map_err(|e| e.to_string())?;
            times.push(started.elapsed());
            total = page.total;
        }
        times.sort();
        let median = times[RUNS / 2];
        note(&format!("{label}: {total} matches, median {median:.1?}"));
        out.push((label, total, median));
    }
    Ok(out)
}

async fn time_insert(db: &Client, first: u32) -> crate::Result<Duration> {
    let started = Instant::now();
    exec(db, &insert_users(first, BATCH)).await?;
    let took = started.elapsed();
    note(&format!("inserted {BATCH} users in {took:.1?}"));
    Ok(took)
}
