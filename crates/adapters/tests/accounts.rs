#![cfg(not(target_arch = "wasm32"))]
//! The account store against a real PostgreSQL, through PgBouncer in transaction mode: the
//! port's contract (the suite the in-memory double passes too), and what only the database can
//! show: the rows written, races between connections, audit rows, a claim left by a fault.

mod common;

use auth_adapters::pg::migrate;
use auth_adapters::pg::PgAccountStore;
use auth_core::domain::account::{Scope, UserId};
use auth_core::domain::phone::PhoneNumber;
use auth_core::domain::secrets::{PresentedToken, RefreshSecret, RefreshToken};
use auth_core::domain::session::SessionId;
use auth_core::ports::{AccountStore, LoginAccount, LogoutOutcome, NewLogin};
use common::{project_migrations, FreshDb};

fn login<'a>(
    phone: &'a PhoneNumber,
    user_id: &'a UserId,
    session: &'a SessionId,
    secret: &'a RefreshSecret,
) -> NewLogin<'a> {
    NewLogin {
        phone,
        new_user_id: user_id,
        session,
        refresh_secret: secret,
        refresh_expires_at: 4_102_444_800,
        user_agent: Some("tests"),
        client_ip: Some("192.0.2.1"),
        new_user_scope: &Scope::Unscoped,
        known_account: None,
        binding: None,
    }
}

/// The refresh token of `user_id` made from a secret of `n` repeated.
fn token(user_id: &UserId, n: u8) -> RefreshToken {
    RefreshToken::for_user(user_id, &RefreshSecret([n; 32]))
}

fn uid(text: &str) -> UserId {
    UserId::parse(text).unwrap()
}

fn presented_token(user_id: &UserId, n: u8) -> PresentedToken {
    RefreshToken::parse(&token(user_id, n).token).unwrap()
}

/// The single count a query returns.
async fn count(client: &tokio_postgres::Client, sql: &str) -> i64 {
    common::value(client, sql).await
}

async fn migrated(label: &str) -> FreshDb {
    let db = FreshDb::create(label).await;
    migrate::apply(&db.direct().await, project_migrations(), |_, _| {})
        .await
        .unwrap();
    db
}

/// The port's contract, the same suite `InMemoryAccounts` passes.
#[tokio::test]
async fn the_postgres_store_keeps_the_contract() {
    let db = migrated("accounts_contract").await;
    let pooled = db.pooled().await;
    let store = PgAccountStore::new(&pooled);
    auth_core::ports::contract::account_store(&store, 1, common::now()).await;
}

/// The Go service's import, the same suite `InMemoryAccounts` passes, through PgBouncer in
/// transaction mode (each batch is one transaction).
#[tokio::test]
async fn the_postgres_store_imports_as_the_contract_says() {
    let db = migrated("accounts_import").await;
    let pooled = db.pooled().await;
    let store = PgAccountStore::new(&pooled);
    auth_core::ports::contract::legacy_import(&store, 1, common::now()).await;
}

#[tokio::test]
async fn two_logins_of_one_phone_write_one_user_one_claim_and_two_sessions() {
    let db = migrated("accounts_login").await;
    let pooled = db.pooled().await;
    let store = PgAccountStore::new(&pooled);
    let phone = PhoneNumber::parse("+14155552671", None).unwrap();
    let s1 = SessionId::parse("first-session-0123456789").unwrap();
    let s2 = SessionId::parse("second-session-0123456789").unwrap();
    let new_id = uid("7f3c2a9e-3b1d-4f6a-8c2e-1a2b3c4d5e6f");
    let first = store
        .login(&login(&phone, &new_id, &s1, &RefreshSecret([1; 32])))
        .await
        .unwrap();
    assert!(matches!(first, LoginAccount::Created(_)));
    let other = uid("00000000-0000-4000-8000-000000000000");
    let again = store
        .login(&login(&phone, &other, &s2, &RefreshSecret([2; 32])))
        .await
        .unwrap();
    assert_eq!(again, LoginAccount::Found(first.into_user()));
    let direct = db.direct().await;
    assert_eq!(count(&direct, "SELECT count(*) FROM users").await, 1);
    assert_eq!(count(&direct, "SELECT count(*) FROM user_phones").await, 1);
    assert_eq!(count(&direct, "SELECT count(*) FROM sessions").await, 2);
    let live = "SELECT count(*) FROM refresh_tokens WHERE revoked_at IS NULL";
    assert_eq!(count(&direct, live).await, 2);
}

#[tokio::test]
async fn a_login_under_a_session_id_the_user_has_is_refused_and_writes_nothing() {
    let db = migrated("accounts_relogin").await;
    let pooled = db.pooled().await;
    let store = PgAccountStore::new(&pooled);
    let phone = PhoneNumber::parse("+14155552671", None).unwrap();
    let s = SessionId::parse("same-session-0123456789").unwrap();
    let id = &uid("7f3c2a9e-3b1d-4f6a-8c2e-1a2b3c4d5e6f");
    store
        .login(&login(&phone, id, &s, &RefreshSecret([1; 32])))
        .await
        .unwrap();
    assert!(
        store
            .login(&login(&phone, id, &s, &RefreshSecret([2; 32])))
            .await
            .is_err(),
        "a session is never restarted (or revived) by a login"
    );
    let direct = db.direct().await;
    let live: Vec<Vec<u8>> = common::column(
        &direct,
        "SELECT token_hash FROM refresh_tokens WHERE revoked_at IS NULL",
    )
    .await;
    assert_eq!(
        live,
        vec![token(id, 1).hash.to_vec()],
        "the refused login wrote no token and revoked none"
    );
    let logins = "SELECT count(*) FROM audit_events WHERE event = 'login'";
    assert_eq!(count(&direct, logins).await, 1, "nor an audit row");
}

#[tokio::test]
async fn concurrent_first_logins_of_one_phone_make_one_account() {
    let db = migrated("accounts_race").await;
    let mut tasks = Vec::new();
    for i in 0..8 {
        let client = db.pooled().await;
        tasks.push(tokio::spawn(async move {
            let store = PgAccountStore::new(&client);
            let phone = PhoneNumber::parse("+14155552671", None).unwrap();
            let session = SessionId::parse(&format!("race-session-{i}-0123456789")).unwrap();
            let id = uid(&format!("7f3c2a9e-3b1d-4f6a-8c2e-1a2b3c4d5e6{i}"));
            store
                .login(&login(&phone, &id, &session, &RefreshSecret([i as u8; 32])))
                .await
                .map(|account| account.into_user().id)
        }));
    }
    let mut ids = Vec::new();
    for task in tasks {
        ids.push(task.await.unwrap().expect("every login succeeds"));
    }
    ids.dedup();
    assert_eq!(ids.len(), 1, "one account for one phone: {ids:?}");
}

#[tokio::test]
async fn every_change_leaves_its_audit_row_written_by_the_same_statement() {
    use auth_core::ports::{LogoutScope, Rotation, RotationOutcome};
    let db = migrated("accounts_audit").await;
    let pooled = db.pooled().await;
    let store = PgAccountStore::new(&pooled).for_client(Some("192.0.2.77"), Some("audit-test/1.0"));
    let phone = PhoneNumber::parse("+14155552671", None).unwrap();
    let id = &uid("7f3c2a9e-3b1d-4f6a-8c2e-1a2b3c4d5e6f");
    let session = |n: u8| SessionId::parse(&format!("audit-session-{n}-0123456789")).unwrap();
    let (s1, s2, s3, s4) = (session(1), session(2), session(3), session(4));
    store
        .login(&login(&phone, id, &s1, &RefreshSecret([1; 32])))
        .await
        .unwrap();
    let rotate = |presented: u8, successor: u8| {
        let store = &store;
        async move {
            store
                .rotate(&Rotation {
                    presented: &presented_token(id, presented),
                    successor_hash: &token(id, successor).hash,
                    session: None,
                    successor_expires_at: 4_102_444_800,
                    grace_secs: 0,
                })
                .await
                .unwrap()
        }
    };
    assert!(matches!(
        rotate(1, 2).await,
        RotationOutcome::Rotated { .. }
    ));
    assert_eq!(rotate(1, 9).await, RotationOutcome::Reused);
    store
        .login(&login(&phone, id, &s2, &RefreshSecret([3; 32])))
        .await
        .unwrap();
    assert_eq!(
        store
            .logout(&presented_token(id, 3), LogoutScope::Local)
            .await
            .unwrap(),
        LogoutOutcome::Ended
    );
    store
        .login(&login(&phone, id, &s3, &RefreshSecret([4; 32])))
        .await
        .unwrap();
    store
        .login(&login(&phone, id, &s4, &RefreshSecret([5; 32])))
        .await
        .unwrap();
    assert_eq!(
        store.revoke_session(id, &s4, &s3).await.unwrap(),
        auth_core::ports::RevokeOutcome::Revoked
    );

    let direct = db.direct().await;
    let rows = direct
        .query("SELECT event, coalesce(session_id, ''), coalesce(ip, '') FROM audit_events ORDER BY id", &[])
        .await
        .unwrap();
    let events: Vec<(String, String, String)> = rows
        .iter()
        .map(|r| (r.get(0), r.get(1), r.get(2)))
        .collect();
    let names: Vec<&str> = events.iter().map(|(e, _, _)| e.as_str()).collect();
    let count = |name: &str| names.iter().filter(|n| **n == name).count();
    assert_eq!(count("new_user"), 1, "{names:?}");
    assert_eq!(count("login"), 4, "{names:?}");
    assert_eq!(count("refresh"), 1);
    assert_eq!(count("reuse_detected"), 1);
    assert_eq!(count("logout"), 1);
    assert_eq!(count("session_revoked"), 1);
    let revoked = events
        .iter()
        .find(|(e, _, _)| e == "session_revoked")
        .unwrap();
    assert_eq!(revoked.1, s3.as_str(), "the revoked session is recorded");
    for (event, _, ip) in &events {
        // Logins record the address of the login itself; the rest the store's client.
        let expected = if matches!(event.as_str(), "login" | "new_user") {
            "192.0.2.1"
        } else {
            "192.0.2.77"
        };
        assert_eq!(ip, expected, "{event} records the client address");
    }
}

#[tokio::test]
async fn a_phone_claim_whose_account_write_never_ran_is_finished_by_the_next_login() {
    // The claim and the account write are two statements (two shards on Citus); a fault
    // between them leaves a claim with no user, which the phone's next login completes.
    let db = migrated("accounts_orphan_claim").await;
    let direct = db.direct().await;
    let claimed = "5b0e3c1a-9d2f-4e8b-a7c6-0f1e2d3c4b5a";
    direct
        .execute(
            "INSERT INTO user_phones (phone, user_id) VALUES ('+14155552671', $1::text::uuid)",
            &[&claimed],
        )
        .await
        .unwrap();
    let pooled = db.pooled().await;
    let store = PgAccountStore::new(&pooled);
    let phone = PhoneNumber::parse("+14155552671", None).unwrap();
    let s = SessionId::parse("after-the-fault-0123456789").unwrap();
    let candidate = uid("7f3c2a9e-3b1d-4f6a-8c2e-1a2b3c4d5e6f");
    let account = store
        .login(&login(&phone, &candidate, &s, &RefreshSecret([1; 32])))
        .await
        .unwrap();
    let LoginAccount::Created(user) = account else {
        panic!("the claim's user is created: {account:?}");
    };
    assert_eq!(user.id.as_str(), claimed);
    let users = count(&direct, "SELECT count(*) FROM users").await;
    assert_eq!(users, 1);
}
