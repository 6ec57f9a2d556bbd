//! `auth-ops import-otp-auth` against real databases on the test stack's PostgreSQL: a Go
//! service's database of 100,000 users (some with phones that are no number, some numbers
//! twice), their live, expired and revoked tokens; a second run; a run killed mid-way and
//! resumed; sources and targets it must refuse.

use auth_adapters::pg::PgAccountStore;
use auth_core::domain::account::UserId;
use auth_core::domain::secrets::{PresentedToken, RefreshToken};
use auth_core::ports::{
    AccountStore, DeleteOutcome, Deletion, ImportPhase, LegacyImport, Rotation, RotationOutcome,
};
use auth_ops::import_otp_auth::{run, source_name, Options, Summary};
use std::io::BufRead;
use tokio_postgres::{Client, NoTls};

const GO_SCHEMA: &str = include_str!("fixtures/otp_auth_v1.sql");

fn admin_url() -> String {
    std::env::var("TEST_DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into())
}

fn url_of(database: &str) -> String {
    let admin = admin_url();
    let (base, _) = admin.rsplit_once('/').expect("a URL ending in /database");
    format!("{base}/{database}")
}

async fn connect(url: &str) -> Client {
    let (client, connection) = tokio_postgres::connect(url, NoTls)
        .await
        .unwrap_or_else(|e| panic!("cannot connect to {url}: {e}; run `cargo xtask test`"));
    tokio::spawn(connection);
    client
}

/// A new, empty database for this test (left for the stack's cleanup: the test stack is
/// rebuilt by every run).
async fn database(label: &str) -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    let name = format!("t_import_{label}_{nanos}");
    connect(&admin_url())
        .await
        .batch_execute(&format!("CREATE DATABASE {name}"))
        .await
        .unwrap();
    url_of(&name)
}

/// A migrated database of this service.
async fn target(label: &str) -> String {
    let url = database(label).await;
    let url2 = url.clone();
    tokio::task::spawn_blocking(move || auth_ops::migrate::migrate_url(&url2))
        .await
        .unwrap()
        .unwrap();
    url
}

/// A Go service's database with `n` users and their tokens (counts in the comments):
/// - every 100th user's phone is `+980…`, which fits the Go service's pattern but is no number;
/// - every 7th is stored without its `+`, as the Go service's constraint allowed;
/// - every 10,000th (but not a 7th) has a twin: the same number without the `+`, under an id
///   that sorts after every other (so the twin is the one skipped);
/// - each user has a live token, every 5th a second one in the same session, every 10th (from
///   1) an expired one and every 10th (from 2) a revoked one.
async fn go_source(label: &str, n: i64) -> String {
    let url = database(label).await;
    let client = connect(&url).await;
    client.batch_execute(GO_SCHEMA).await.unwrap();
    let seed = format!(
        "INSERT INTO users (id, phone_number, scope, created_at, updated_at)
         SELECT md5('user' || n)::uuid,
                CASE WHEN n % 100 = 0 THEN '+980' || lpad(n::text, 10, '0')
                     WHEN n % 7 = 0 THEN '98912' || lpad(n::text, 7, '0')
                     ELSE '+98912' || lpad(n::text, 7, '0') END,
                CASE WHEN n % 50 = 1 THEN 'admin' ELSE 'user' END,
                timestamptz '2025-01-01' + n * interval '1 minute',
                timestamptz '2025-06-01' + n * interval '1 minute'
         FROM generate_series(1, {n}) n;
         INSERT INTO users (id, phone_number)
         SELECT ('ffffffff-ffff-4fff-8fff-' || lpad(n::text, 12, '0'))::uuid,
                '98912' || lpad(n::text, 7, '0')
         FROM generate_series(1, {n}) n WHERE n % 10000 = 1 AND n % 7 <> 0;
         INSERT INTO refresh_tokens (id, user_id, session_id, token_hash, created_at, expires_at,
                                     revoked_at)
         SELECT md5(kind || n)::uuid, md5('user' || n)::uuid,
                encode(sha256(('session' || n)::bytea), 'hex'),
                encode(sha256((kind || n)::bytea), 'hex'),
                now() - interval '1 hour',
                CASE kind WHEN 'expired' THEN now() - interval '1 minute'
                          ELSE now() + interval '3 days' END,
                CASE kind WHEN 'revoked' THEN now() - interval '2 minutes' END
         FROM generate_series(1, {n}) n, unnest(ARRAY['live', 'second', 'expired', 'revoked']) kind
         WHERE kind = 'live' OR (kind = 'second' AND n % 5 = 0)
            OR (kind = 'expired' AND n % 10 = 1) OR (kind = 'revoked' AND n % 10 = 2);"
    );
    client.batch_execute(&seed).await.unwrap();
    url
}

fn options(from: &str, to: &str, batch: i64, report: &std::path::Path) -> Options {
    Options {
        from: from.to_owned(),
        to: to.to_owned(),
        batch,
        report: report.to_owned(),
    }
}

async fn import(options: Options) -> Result<Summary, String> {
    tokio::task::spawn_blocking(move || run(&options))
        .await
        .unwrap()
}

async fn count(client: &Client, sql: &str) -> i64 {
    client.query_one(sql, &[]).await.unwrap().get(0)
}

/// (users, phone claims, `imported` audit rows, sessions, refresh tokens, lookup rows) here.
async fn written(client: &Client) -> [i64; 6] {
    [
        count(client, "SELECT count(*) FROM users").await,
        count(client, "SELECT count(*) FROM user_phones").await,
        count(
            client,
            "SELECT count(*) FROM audit_events WHERE event = 'imported'",
        )
        .await,
        count(client, "SELECT count(*) FROM sessions").await,
        count(client, "SELECT count(*) FROM refresh_tokens").await,
        count(client, "SELECT count(*) FROM legacy_refresh_tokens").await,
    ]
}

fn report_path(label: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("import-otp-auth-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(format!("{label}.tsv"))
}

#[tokio::test]
async fn a_hundred_thousand_users_and_their_live_tokens_move_over_once() {
    let n = 100_000;
    let (from, to) = (go_source("100k_src", n).await, target("100k_dst").await);
    let report = report_path("100k");
    let first = import(options(&from, &to, 5_000, &report)).await.unwrap();
    // 1,000 phones are no number; 9 twins lose to the number's first spelling.
    let created = n - 1_000;
    assert_eq!(
        (
            first.users_created,
            first.users_already,
            first.users_skipped,
            first.users_refused
        ),
        (created, 0, 9, 1_000)
    );
    // 120,000 live tokens, 2,000 of them of the users that could not be imported.
    assert_eq!(
        (
            first.tokens_stored,
            first.tokens_already,
            first.tokens_skipped
        ),
        (118_000, 0, 2_000)
    );
    assert_eq!(
        (first.expired_tokens, first.revoked_tokens),
        (10_000, 10_000)
    );
    let here = connect(&to).await;
    let expected = [created, created, created, created, 118_000, 118_000];
    assert_eq!(written(&here).await, expected);
    assert_eq!(
        count(&here, "SELECT count(*) FROM users WHERE scope = 'admin'").await,
        2_000,
        "scopes come along (every 50th user from the 1st: none of them a 100th)"
    );
    assert_eq!(
        count(
            &here,
            "SELECT count(*) FROM users WHERE phone !~ '^\\+98912[0-9]{7}$'"
        )
        .await,
        0,
        "every phone is stored in E.164, with its +"
    );

    // The report lists every skipped row with its reason.
    let lines = std::fs::read_to_string(&report).unwrap();
    let rows: Vec<&str> = lines.lines().skip(1).collect();
    assert_eq!(
        rows.len(),
        1_000 + 9 + 2_000,
        "{}",
        &lines[..400.min(lines.len())]
    );
    assert!(rows
        .iter()
        .any(|r| r.starts_with("user\t") && r.contains("+980")));
    assert_eq!(
        rows.iter()
            .filter(|r| r.contains("another account here"))
            .count(),
        9
    );

    // An imported token leads to its user by its hash; an expired or revoked one to nobody.
    let store = PgAccountStore::new(&here);
    let owner = async |token: &str| {
        let hash = RefreshToken::hash_of(token);
        store.legacy_token_owner(&hash).await.unwrap()
    };
    let user5: String = here
        .query_one("SELECT md5('user5')::uuid::text", &[])
        .await
        .unwrap()
        .get(0);
    let user5 = UserId::parse(&user5).unwrap();
    assert_eq!(owner("live5").await, Some(user5.clone()));
    assert_eq!(owner("second5").await, Some(user5));
    assert_eq!(owner("expired11").await, None);
    assert_eq!(owner("revoked12").await, None);
    assert_eq!(owner("live100").await, None, "its user was refused");
    assert_eq!(
        store
            .checkpoint(&source_name(&from).unwrap(), ImportPhase::Users)
            .await
            .unwrap(),
        None
    );

    // A second run is a whole new pass that changes nothing.
    let again = import(options(&from, &to, 5_000, &report)).await.unwrap();
    assert_eq!(
        (
            again.users_created,
            again.users_already,
            again.tokens_stored,
            again.tokens_already
        ),
        (0, created, 0, 118_000)
    );
    assert_eq!(written(&here).await, expected);
}

#[tokio::test]
async fn a_run_killed_mid_way_resumes_after_its_last_whole_batch() {
    let n = 30_000;
    let (from, to) = (go_source("resume_src", n).await, target("resume_dst").await);
    let report = report_path("resume");
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_auth-ops"))
        .args([
            "import-otp-auth",
            "--from",
            &from,
            "--to",
            &to,
            "--batch",
            "1000",
        ])
        .arg("--report")
        .arg(&report)
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let stdout = std::io::BufReader::new(child.stdout.take().unwrap());
    let mut seen = Vec::new();
    for line in stdout.lines() {
        let line = line.unwrap();
        seen.push(line.clone());
        if users_done(&line).is_some_and(|done| done >= 10_000) {
            break;
        }
    }
    child.kill().unwrap();
    child.wait().unwrap();
    let here = connect(&to).await;
    let store = PgAccountStore::new(&here);
    let saved = store
        .checkpoint(&source_name(&from).unwrap(), ImportPhase::Users)
        .await
        .unwrap();
    assert!(saved.is_some(), "no checkpoint after:\n{}", seen.join("\n"));
    let before = count(&here, "SELECT count(*) FROM users").await;
    assert!(before >= 9_000, "{before} users written before the kill");

    let resumed = import(options(&from, &to, 1_000, &report)).await.unwrap();
    let created = n - n / 100;
    assert_eq!(resumed.users_already, 0, "no batch is written twice");
    assert_eq!(resumed.users_created + before, created);
    let tokens = n + n / 5 - 2 * (n / 100);
    assert_eq!(
        written(&here).await,
        [created, created, created, created, tokens, tokens]
    );
}

/// The user id the Go fixture gives user `n`.
async fn go_user(client: &Client, n: i64) -> UserId {
    let id: String = client
        .query_one("SELECT md5('user' || $1::int8)::uuid::text", &[&n])
        .await
        .unwrap()
        .get(0);
    UserId::parse(&id).unwrap()
}

/// A user's rows here: (users, live sessions, live refresh tokens, Go lookup rows).
async fn rows_of(client: &Client, user: &UserId) -> [i64; 4] {
    let id = user.as_str();
    let one = async |sql: &str| -> i64 { client.query_one(sql, &[&id]).await.unwrap().get(0) };
    [
        one("SELECT count(*) FROM users WHERE id = $1::text::uuid").await,
        one(
            "SELECT count(*) FROM sessions WHERE user_id = $1::text::uuid
             AND revoked_at IS NULL AND expires_at > now()",
        )
        .await,
        one(
            "SELECT count(*) FROM refresh_tokens WHERE user_id = $1::text::uuid
             AND revoked_at IS NULL AND used_at IS NULL AND expires_at > now()",
        )
        .await,
        one("SELECT count(*) FROM legacy_refresh_tokens WHERE user_id = $1::text::uuid").await,
    ]
}

/// Traffic moved over, then the import runs again: a user deleted here, a user blocked here and
/// a Go token already used here must all stay as they are. Before this was fixed the second
/// run re-created the deleted user with its sessions and tokens.
#[tokio::test]
async fn a_second_run_after_traffic_moved_over_revives_nothing() {
    let (from, to) = (
        go_source("revive_src", 20).await,
        target("revive_dst").await,
    );
    let report = report_path("revive");
    import(options(&from, &to, 100, &report)).await.unwrap();
    let here = connect(&to).await;
    let store = PgAccountStore::new(&here);
    let (deleted, blocked, rotated, admin) = (
        go_user(&here, 3).await,
        go_user(&here, 4).await,
        go_user(&here, 5).await,
        go_user(&here, 6).await,
    );
    let gone = store
        .delete_account(&deleted, Deletion::ByAdmin(&admin))
        .await
        .unwrap();
    assert!(matches!(gone, DeleteOutcome::Deleted { .. }), "{gone:?}");
    let change = store.set_blocked_by(&blocked, true, &admin).await.unwrap();
    assert!(change.is_some(), "user 4 blocked");
    let used = PresentedToken {
        user_id: rotated.clone(),
        hash: RefreshToken::hash_of("live5"),
    };
    let rotate = |presented| Rotation {
        presented,
        successor_hash: &[7; 32],
        session: None,
        successor_expires_at: 4_000_000_000,
        grace_secs: 0,
    };
    let first = store.rotate(&rotate(&used)).await.unwrap();
    assert!(
        matches!(first, RotationOutcome::Rotated { .. }),
        "{first:?}"
    );
    let before = [
        rows_of(&here, &deleted).await,
        rows_of(&here, &blocked).await,
        rows_of(&here, &rotated).await,
    ];
    // (Its Go tokens' lookup rows stay: they live on other shards, and lead to no user.)
    assert_eq!(before[0][..3], [0, 0, 0], "the deleted user is gone");
    assert_eq!(
        before[1][1..3],
        [0, 0],
        "the blocked user has no live session"
    );

    let again = import(options(&from, &to, 100, &report)).await.unwrap();
    assert_eq!(again.users_created, 0, "no user is made again: {again:?}");
    let after = [
        rows_of(&here, &deleted).await,
        rows_of(&here, &blocked).await,
        rows_of(&here, &rotated).await,
    ];
    assert_eq!(after, before, "[deleted, blocked, rotated] as they were");
    let phone_of_deleted = count(
        &here,
        "SELECT count(*) FROM user_phones WHERE phone = '+989120000003'",
    )
    .await;
    assert_eq!(phone_of_deleted, 0, "the deleted user's number stays free");
    let blocked_still = count(
        &here,
        &format!(
            "SELECT count(*) FROM users WHERE id = '{}' AND blocked_at IS NOT NULL",
            blocked.as_str()
        ),
    )
    .await;
    assert_eq!(blocked_still, 1);
    let replayed = store.rotate(&rotate(&used)).await.unwrap();
    assert_eq!(
        replayed,
        RotationOutcome::Reused,
        "the used Go token is a reuse, not a fresh token"
    );
}

#[tokio::test]
async fn sources_and_targets_it_does_not_know_are_refused_untouched() {
    let to = target("refuse_dst").await;
    let report = report_path("refuse");
    // This service's own database as the source.
    let ours = import(options(&to, &to, 100, &report)).await.unwrap_err();
    assert!(ours.contains("not a database of otp-auth v1"), "{ours}");
    assert!(
        ours.contains("users.phone_number"),
        "says what is missing: {ours}"
    );
    // A Go database with a column the import does not know about.
    let odd = go_source("refuse_odd", 10).await;
    connect(&odd)
        .await
        .batch_execute("ALTER TABLE users ADD COLUMN email text")
        .await
        .unwrap();
    let err = import(options(&odd, &to, 100, &report)).await.unwrap_err();
    assert!(err.contains("unexpected: users.email text"), "{err}");
    // A target that is not migrated.
    let go = go_source("refuse_go", 10).await;
    let empty = database("refuse_empty").await;
    let err = import(options(&go, &empty, 100, &report))
        .await
        .unwrap_err();
    assert!(err.contains("not a database of this service"), "{err}");
    assert_eq!(written(&connect(&to).await).await, [0; 6]);
}

/// The users done so far, from a progress line (`users  10000/30009 ...`).
fn users_done(line: &str) -> Option<i64> {
    let rest = line.trim().strip_prefix("users")?;
    rest.split_whitespace()
        .next()?
        .split('/')
        .next()?
        .parse()
        .ok()
}
