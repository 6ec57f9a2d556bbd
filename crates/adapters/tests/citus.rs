#![cfg(not(target_arch = "wasm32"))]
//! The account store on a real Citus cluster (a coordinator and two workers), made, migrated and
//! distributed by the citus tier (`cargo xtask test citus`), which runs these tests with
//! `--ignored` and the cluster's addresses in CITUS_POOLER_URL, CITUS_COORDINATOR_URL and
//! CITUS_WORKER_URLS. They need that cluster, so a plain `cargo test` skips them.

mod common;

use auth_adapters::pg::catalogue::{Routing, ALL};
use auth_adapters::pg::functions::FUNCTIONS;
use auth_adapters::pg::migrate::{self, Migration};
use auth_adapters::pg::PgAccountStore;
use auth_core::domain::account::{Scope, UserId};
use auth_core::domain::phone::PhoneNumber;
use auth_core::domain::secrets::RefreshSecret;
use auth_core::domain::session::SessionId;
use auth_core::ports::{AccountStore, NewLogin};
use tokio_postgres::types::{ToSql, Type};

fn env(name: &str) -> String {
    std::env::var(name)
        .unwrap_or_else(|_| panic!("{name} is not set: run `cargo xtask test citus`"))
}

/// The port's contract on the coordinator, through PgBouncer in transaction mode: login,
/// rotation, logout in every scope, sessions, revoke, the admin reads.
#[tokio::test]
#[ignore = "needs the citus tier's cluster"]
async fn the_postgres_store_keeps_the_contract_on_citus() {
    let pooled = common::connect(&env("CITUS_POOLER_URL")).await;
    let store = PgAccountStore::new(&pooled);
    auth_core::ports::contract::account_store(&store, 7, common::now()).await;
}

/// The Go service's import on the coordinator, as `auth-ops import-otp-auth` runs it (a
/// direct connection): its batches through the coordinator, the token lookup by hash.
#[tokio::test]
#[ignore = "needs the citus tier's cluster"]
async fn the_import_keeps_its_contract_on_citus() {
    let coordinator = common::connect(&env("CITUS_COORDINATOR_URL")).await;
    let store = PgAccountStore::new(&coordinator);
    auth_core::ports::contract::legacy_import(&store, 7, common::now()).await;
}

/// The operator's scope change: the phone's owner (by phone), then the user (by id).
#[tokio::test]
#[ignore = "needs the citus tier's cluster"]
async fn the_scope_command_works_on_citus() {
    let pooled = common::connect(&env("CITUS_POOLER_URL")).await;
    let store = PgAccountStore::new(&pooled);
    let phone = PhoneNumber::parse("+14155559001", None).unwrap();
    let id = UserId::parse("5b0e3c1a-9d2f-4e8b-a7c6-0f1e2d3c9001").unwrap();
    let login = NewLogin {
        phone: &phone,
        new_user_id: &id,
        session: &SessionId::parse("citus-scope-session-0123").unwrap(),
        refresh_secret: &RefreshSecret([3; 32]),
        refresh_expires_at: common::now() + 86_400,
        user_agent: None,
        client_ip: None,
        new_user_scope: &Scope::Unscoped,
        known_account: None,
        binding: None,
    };
    let user = store.login(&login).await.unwrap().into_user();
    let changed = store
        .set_scope(phone.as_e164(), &Scope::Superadmin)
        .await
        .unwrap();
    assert_eq!(changed.as_ref(), Some(&user.id));
    let found = store.find_user(&user.id).await.unwrap().unwrap();
    assert_eq!(found.scope, Scope::Superadmin);
    let nobody = store
        .set_scope("+14155559002", &Scope::Superadmin)
        .await
        .unwrap();
    assert_eq!(nobody, None);
}

/// `citus/distribute.sql` as the cluster ran it: every table of the schema distributed by the
/// column ARCHITECTURE.md names, in the co-location group it names (the coordinator's own
/// `schema_migrations` and `legacy_import_progress` aside),
/// and every function of the catalogue's `Delegated` calls distributed by its first argument
/// in the users' group. Run twice by the tier, so this also holds after a re-run.
#[tokio::test]
#[ignore = "needs the citus tier's cluster"]
async fn the_script_distributes_every_table_and_account_function() {
    let client = common::connect(&env("CITUS_COORDINATOR_URL")).await;
    let tables: Vec<String> = common::column(
        &client,
        "SELECT format('%s by %s with %s', p.logicalrelid, column_to_column_name(p.logicalrelid, p.partkey),
                       (SELECT min(o.logicalrelid::text) FROM pg_dist_partition o WHERE o.colocationid = p.colocationid))
         FROM pg_dist_partition p ORDER BY 1",
    )
    .await;
    assert_eq!(
        tables,
        [
            "audit_events by user_id with audit_events",
            "deleted_users by id with audit_events",
            "legacy_refresh_tokens by token_hash with legacy_refresh_tokens",
            "passkeys by user_id with audit_events",
            "refresh_tokens by user_id with audit_events",
            "sessions by user_id with audit_events",
            "user_phones by phone with user_phones",
            "users by id with audit_events",
        ]
    );
    let local: Vec<String> = common::column(
        &client,
        "SELECT c.relname::text FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
         WHERE n.nspname = 'public' AND c.relkind = 'r'
           AND c.oid NOT IN (SELECT logicalrelid FROM pg_dist_partition) ORDER BY 1",
    )
    .await;
    assert_eq!(local, ["legacy_import_progress", "schema_migrations"]);
    let functions: Vec<String> = common::column(
        &client,
        "SELECT format('%s by $%s with %s', o.objid::regproc,
                       o.distribution_argument_index + 1,
                       (SELECT min(p.logicalrelid::text) FROM pg_dist_partition p WHERE p.colocationid = o.colocationid))
         FROM pg_catalog.pg_dist_object o
         WHERE o.classid = 'pg_proc'::regclass AND o.objid::regproc::text LIKE 'account\\_%'
         ORDER BY 1",
    )
    .await;
    let mut called: Vec<String> = ALL
        .iter()
        .filter_map(|s| match s.routing {
            Routing::Delegated(param) => {
                let name = s.sql.split("SELECT * FROM ").nth(1)?.split('(').next()?;
                Some(format!("{name} by {param} with audit_events"))
            }
            _ => None,
        })
        .collect();
    // ...and those the account functions call on the worker (a rule several share).
    called.extend(
        FUNCTIONS
            .iter()
            .filter(|f| {
                let call = format!(" {}(", f.name);
                FUNCTIONS
                    .iter()
                    .any(|caller| caller.name != f.name && caller.sql.contains(&call))
            })
            .map(|f| format!("{} by $1 with audit_events", f.name)),
    );
    called.sort();
    assert_eq!(functions, called);
}

/// Every "Task Count: N" of a Citus plan, in order.
fn task_counts(plan: &str) -> Vec<i64> {
    plan.lines()
        .filter_map(|line| line.trim().strip_prefix("Task Count: "))
        .map(|n| n.trim().parse().unwrap_or(-1))
        .collect()
}

/// The worker nodes a plan's tasks run on (the coordinator's own tasks, on intermediate
/// results, aside).
fn worker_ports(plan: &str) -> std::collections::BTreeSet<String> {
    let coordinator = env("CITUS_COORDINATOR_URL");
    plan.lines()
        .filter_map(|line| line.trim().strip_prefix("Node: "))
        .filter_map(|node| node.split("port=").nth(1))
        .map(|rest| rest.split_whitespace().next().unwrap_or("").to_owned())
        .filter(|port| !coordinator.contains(&format!(":{port}/")))
        .collect()
}

/// On the real cluster, every statement of the catalogue plans as the catalogue says: a single
/// task with no subplans for `Shard` (the router planner) and for `Delegated` (the function
/// call sent whole to one worker); several tasks for `FansOut`; a distributed plan for `Batch`;
/// no distributed plan at all for `Coordinator`.
#[tokio::test]
#[ignore = "needs the citus tier's cluster"]
async fn every_statement_plans_where_the_catalogue_says() {
    let client = common::connect(&env("CITUS_COORDINATOR_URL")).await;
    let mut wrong = Vec::new();
    for statement in ALL {
        let params = common::samples::sample_params(statement);
        let refs: Vec<(&(dyn ToSql + Sync), Type)> = params
            .iter()
            .map(|(v, t)| (v.as_ref(), t.clone()))
            .collect();
        let explain = format!("EXPLAIN {}", statement.sql);
        let rows = client
            .query_typed(&explain, &refs)
            .await
            .unwrap_or_else(|e| panic!("EXPLAIN {}: {e:?}", statement.name));
        let plan: String = rows
            .iter()
            .map(|r| r.get::<_, String>(0))
            .collect::<Vec<_>>()
            .join("\n");
        let counts = task_counts(&plan);
        let distributed = plan.contains("Citus");
        let subplans = plan.contains("Subplan");
        let ok = match statement.routing {
            Routing::Shard(_) => counts == [1] && !subplans,
            Routing::Delegated(_) => counts == [1] && !subplans && worker_ports(&plan).len() == 1,
            Routing::FansOut => counts.iter().any(|&n| n > 1),
            // Rows for any shards, planned by the coordinator: a distributed plan, no more.
            Routing::Batch => distributed,
            Routing::Coordinator => !distributed,
        };
        if !ok {
            wrong.push(format!(
                "{} ({:?}): task counts {counts:?}, subplans: {subplans}\n{plan}",
                statement.name, statement.routing
            ));
        }
    }
    assert!(
        wrong.is_empty(),
        "plans that do not match the catalogue:\n{}",
        wrong.join("\n")
    );
}

/// A migration applied after distribution, as an operator would with `auth-ops migrate`,
/// reaches every shard of the distributed tables it changes.
#[tokio::test]
#[ignore = "needs the citus tier's cluster"]
async fn a_migration_after_distribution_reaches_every_shard() {
    let coordinator = common::connect(&env("CITUS_COORDINATOR_URL")).await;
    let mut migrations = common::project_migrations();
    let later = "ALTER TABLE sessions ADD COLUMN citus_probe text;\n\
                 CREATE INDEX audit_events_probe_idx ON audit_events (user_id, created_at);";
    migrations.push(Migration::from_file("9001_citus_probe.sql", later.to_owned()).unwrap());
    migrate::apply(&coordinator, migrations, |_, _| {})
        .await
        .unwrap();
    let mut shards_seen = 0;
    for worker in env("CITUS_WORKER_URLS").split(',') {
        let node = common::connect(worker).await;
        // Citus hides shards from catalog queries on workers unless asked.
        node.batch_execute("SET citus.override_table_visibility TO off")
            .await
            .unwrap();
        let shards: Vec<String> = common::column(
            &node,
            "SELECT c.relname::text FROM pg_class c WHERE c.relkind = 'r' AND c.relname ~ '^sessions_[0-9]+$'",
        )
        .await;
        assert!(!shards.is_empty(), "no sessions shard on {worker}");
        for shard in &shards {
            let has: Vec<i64> = common::column(
                &node,
                &format!(
                    "SELECT count(*) FROM information_schema.columns \
                     WHERE table_name = '{shard}' AND column_name = 'citus_probe'"
                ),
            )
            .await;
            assert_eq!(has, [1], "{shard} on {worker} lacks the new column");
        }
        let indexes: Vec<i64> = common::column(
            &node,
            "SELECT count(*) FROM pg_indexes WHERE indexname ~ '^audit_events_probe_idx_[0-9]+$'",
        )
        .await;
        assert!(indexes[0] > 0, "no shard index on {worker}");
        shards_seen += shards.len();
    }
    assert!(
        shards_seen >= 2,
        "the sessions shards are spread over the workers"
    );
}

/// A release whose function bodies call a function that is new to the cluster (a shared rule,
/// as `account_recent_session`) works from `auth-ops migrate` on, before the operator runs
/// `citus/distribute.sql` again: the migrator's `CREATE FUNCTION` on the coordinator reaches
/// the workers, where the delegated callers run.
#[tokio::test]
#[ignore = "needs the citus tier's cluster"]
async fn a_function_new_to_the_cluster_reaches_the_workers_with_the_migration() {
    let coordinator = common::connect(&env("CITUS_COORDINATOR_URL")).await;
    // The cluster as the previous release left it: no such function anywhere.
    coordinator
        .batch_execute("DROP FUNCTION account_recent_session(uuid, text, float8, float8)")
        .await
        .unwrap();
    migrate::apply(&coordinator, common::project_migrations(), |_, _| {})
        .await
        .unwrap();
    let mut missing = Vec::new();
    for worker in env("CITUS_WORKER_URLS").split(',') {
        let node = common::connect(worker).await;
        let found: i64 = common::value(
            &node,
            "SELECT count(*) FROM pg_proc WHERE proname = 'account_recent_session'",
        )
        .await;
        if found != 1 {
            missing.push(worker.to_owned());
        }
    }
    // A delegated caller (constant arguments, so Citus sends it to the user's worker) runs it
    // there: an unknown session is 'session_gone', not "function does not exist".
    let pooled = common::connect(&env("CITUS_POOLER_URL")).await;
    let outcome = pooled
        .query_one(
            "SELECT outcome FROM account_begin_phone_change(\
             '5b0e3c1a-9d2f-4e8b-a7c6-0f1e2d3c9fff'::uuid, 'no-such-session', 0, '+15005550199', 600)",
            &[],
        )
        .await
        .map(|row| row.get::<_, String>(0));
    // Distributed again as the operator's script leaves it, before any assertion, so the
    // tests after this one see the cluster the tier made.
    let script = std::fs::read_to_string(format!(
        "{}/../../citus/distribute.sql",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap();
    let line = script
        .lines()
        .find(|l| l.contains("'account_recent_session("))
        .expect("the script distributes account_recent_session");
    coordinator.batch_execute(line).await.unwrap();
    assert!(
        missing.is_empty(),
        "account_recent_session is not on {missing:?}"
    );
    assert_eq!(outcome.unwrap(), "session_gone");
}
