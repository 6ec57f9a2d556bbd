#![cfg(not(target_arch = "wasm32"))]
//! Number changes, blocks and deletions against a real PostgreSQL through PgBouncer, where only
//! the database can show it: a deletion or a change stopped between its statements, and logins
//! racing a block or a deletion of the same user on other connections.

mod common;

use auth_adapters::pg::catalogue::{
    CLAIM_PHONE, DELETE_ACCOUNT, PHONE_CHANGE_BEGIN, PHONE_CHANGE_FINISH,
};
use auth_adapters::pg::{migrate, PgAccountStore};
use auth_core::domain::account::{Scope, UserId};
use auth_core::domain::phone::PhoneNumber;
use auth_core::domain::secrets::RefreshSecret;
use auth_core::domain::session::SessionId;
use auth_core::ports::{AccountStore, DeleteOutcome, Deletion, LoginAccount, NewLogin};
use common::FreshDb;
use tokio_postgres::types::Type;

async fn migrated(label: &str) -> FreshDb {
    let db = FreshDb::create(label).await;
    migrate::apply(&db.direct().await, common::project_migrations(), |_, _| {})
        .await
        .unwrap();
    db
}

/// Logs `phone` in on `store` proposing the id and session numbered `n`.
async fn log_in(store: &PgAccountStore<'_>, phone: &str, n: u32) -> LoginAccount {
    let id = UserId::parse(&format!("9a1b2c3d-4e5f-4a6b-8c7d-{n:012}")).unwrap();
    let session = SessionId::parse(&format!("lifecycle-session-{n}-0123456789")).unwrap();
    let login = NewLogin {
        phone: &PhoneNumber::parse(phone, None).unwrap(),
        new_user_id: &id,
        session: &session,
        refresh_secret: &RefreshSecret([(n % 251) as u8; 32]),
        refresh_expires_at: common::now() + 86_400,
        user_agent: Some("lifecycle/1.0"),
        client_ip: Some("192.0.2.9"),
        new_user_scope: &Scope::Unscoped,
        known_account: None,
        binding: None,
    };
    store.login(&login).await.expect("the store answers")
}

/// How long the block or deletion of round `round` waits before it starts: 0 to 2.7 ms, so
/// the racing login (two statements) comes first in some rounds and second in others.
fn stagger(round: u32) -> std::time::Duration {
    std::time::Duration::from_micros(u64::from(round % 10) * 300)
}

fn session(n: u32) -> SessionId {
    SessionId::parse(&format!("lifecycle-session-{n}-0123456789")).unwrap()
}

/// The account write ran, the claim's release did not (the worker was stopped between them):
/// the phone's next login finds the claim naming a deleted user, frees it, and makes a new
/// user; the deleted id stays deleted.
#[tokio::test]
async fn a_deletion_stopped_before_the_release_is_finished_by_the_next_login() {
    let db = migrated("lifecycle_half_way").await;
    let pooled = db.pooled().await;
    let store = PgAccountStore::new(&pooled);
    let phone = "+14155552801";
    let user = log_in(&store, phone, 1).await.into_user();
    let id = user.id.as_str();
    let no_session: Option<&str> = None;
    let answer = DELETE_ACCOUNT
        .row(
            &pooled,
            &[
                (&id, Type::TEXT),
                (&no_session, Type::TEXT),
                (&0.0_f64, Type::FLOAT8),
                (&0.0_f64, Type::FLOAT8),
                (&no_session, Type::TEXT),
            ],
        )
        .await
        .unwrap();
    assert_eq!(answer.get::<_, &str>(0), "deleted");
    let direct = db.direct().await;
    let owner_sql = format!("SELECT user_id::text FROM user_phones WHERE phone = '{phone}'");
    let owner: String = common::value(&direct, &owner_sql).await;
    assert_eq!(owner, id, "the claim still names the deleted user");

    let next = log_in(&store, phone, 2).await;
    let LoginAccount::Created(fresh) = next else {
        panic!("the next login makes a new user: {next:?}");
    };
    assert_ne!(fresh.id, user.id);
    let owner: String = common::value(&direct, &owner_sql).await;
    assert_eq!(owner, fresh.id.as_str(), "the claim moved to the new user");
    let revived: i64 = common::value(
        &direct,
        &format!("SELECT count(*) FROM users WHERE id = '{id}'"),
    )
    .await;
    assert_eq!(revived, 0);
}

/// Logins of a number on other connections while its user deletes the account, many times:
/// afterwards no session of the deleted user is live, and every login that did not come first
/// made a new user.
#[tokio::test]
async fn logins_racing_a_deletion_leave_the_deleted_user_no_live_session() {
    let db = migrated("lifecycle_delete_race").await;
    let (a, b) = (db.pooled().await, db.pooled().await);
    let (deleter, racer) = (PgAccountStore::new(&a), PgAccountStore::new(&b));
    let direct = db.direct().await;
    let (mut undone, mut fresh) = (0, 0);
    for round in 0..30_u32 {
        let phone = format!("+1415555{:04}", 3000 + round);
        let base = 1_000 + round * 10;
        let user = log_in(&deleter, &phone, base).await.into_user();
        let own = Deletion::Own {
            session: &session(base),
            max_auth_age_secs: 600,
        };
        let (deleted, racing) = tokio::join!(
            async {
                tokio::time::sleep(stagger(round)).await;
                deleter.delete_account(&user.id, own).await
            },
            log_in(&racer, &phone, base + 1)
        );
        assert_eq!(
            deleted.unwrap(),
            DeleteOutcome::Deleted {
                freed: PhoneNumber::parse(&phone, None).unwrap()
            },
            "round {round}"
        );
        let live: i64 = common::value(
            &direct,
            &format!(
                "SELECT count(*) FROM sessions WHERE user_id = '{}' AND revoked_at IS NULL",
                user.id.as_str()
            ),
        )
        .await;
        assert_eq!(
            live, 0,
            "round {round}: the deleted user has a live session"
        );
        if racing.user().id == user.id {
            undone += 1;
        } else {
            assert!(
                matches!(racing, LoginAccount::Created(_)),
                "round {round}: {racing:?}"
            );
            fresh += 1;
        }
    }
    eprintln!("logins the deletion undid: {undone}; logins that made a new user: {fresh}");
}

/// Logins racing a block of their user: once the block has returned, the user has no live
/// session, whichever of the two came first.
#[tokio::test]
async fn logins_racing_a_block_leave_the_blocked_user_no_live_session() {
    let db = migrated("lifecycle_block_race").await;
    let (a, b) = (db.pooled().await, db.pooled().await);
    let (admin, racer) = (PgAccountStore::new(&a), PgAccountStore::new(&b));
    let direct = db.direct().await;
    let acting = log_in(&admin, "+14155552999", 9).await.into_user();
    let (mut first, mut second) = (0, 0);
    for round in 0..30_u32 {
        let phone = format!("+1415555{:04}", 4000 + round);
        let base = 5_000 + round * 10;
        let user = log_in(&admin, &phone, base).await.into_user();
        let (blocked, racing) = tokio::join!(
            async {
                tokio::time::sleep(stagger(round)).await;
                admin.set_blocked_by(&user.id, true, &acting.id).await
            },
            log_in(&racer, &phone, base + 1)
        );
        let ended = blocked.unwrap().expect("the user exists").sessions_ended;
        assert_eq!(racing.user().id, user.id);
        // The user's own first session, plus the racing login's when it came first.
        match (&racing, ended) {
            (LoginAccount::Found(_), 2) => first += 1,
            (LoginAccount::Blocked(_), 1) => second += 1,
            other => panic!("round {round}: {other:?}"),
        }
        let live: i64 = common::value(
            &direct,
            &format!(
                "SELECT count(*) FROM sessions WHERE user_id = '{}' AND revoked_at IS NULL",
                user.id.as_str()
            ),
        )
        .await;
        assert_eq!(live, 0, "round {round}: a blocked user has a live session");
    }
    eprintln!("logins before the block: {first}; logins the block refused: {second}");
}

/// A number change stopped between its steps, as a fault would leave it: after the new
/// number's claim, a login with the new number finds the account (its number is pending);
/// after the finish but before the old number's release, a login with the old number makes a
/// new user rather than entering the account that left it.
#[tokio::test]
async fn a_number_change_stopped_between_its_steps_never_lets_the_old_number_in() {
    let db = migrated("lifecycle_change_half_way").await;
    let pooled = db.pooled().await;
    let store = PgAccountStore::new(&pooled);
    let (old, new) = ("+14155552851", "+14155552852");
    let user = log_in(&store, old, 1).await.into_user();
    let id = user.id.as_str();
    let caller = session(1);
    let begun = PHONE_CHANGE_BEGIN
        .row(
            &pooled,
            &[
                (&id, Type::TEXT),
                (&caller.as_str(), Type::TEXT),
                (&0.0_f64, Type::FLOAT8),
                (&new, Type::TEXT),
                (&600.0_f64, Type::FLOAT8),
            ],
        )
        .await
        .unwrap();
    assert_eq!(begun.get::<_, &str>(0), "ready");
    CLAIM_PHONE
        .row(&pooled, &[(&new, Type::TEXT), (&id, Type::TEXT)])
        .await
        .unwrap();
    let pending = log_in(&store, new, 2).await;
    assert_eq!(pending.user().id, user.id, "a pending number is the user's");

    let keep = false;
    let none: Option<&str> = None;
    PHONE_CHANGE_FINISH
        .row(
            &pooled,
            &[
                (&id, Type::TEXT),
                (&new, Type::TEXT),
                (&caller.as_str(), Type::TEXT),
                (&keep, Type::BOOL),
                (&none, Type::TEXT),
                (&none, Type::TEXT),
            ],
        )
        .await
        .unwrap();
    let direct = db.direct().await;
    let owner_sql = format!("SELECT user_id::text FROM user_phones WHERE phone = '{old}'");
    let owner: String = common::value(&direct, &owner_sql).await;
    assert_eq!(owner, id, "the old number's claim was not released");
    let next = log_in(&store, old, 3).await;
    let LoginAccount::Created(stranger) = next else {
        panic!("the old number makes a new user: {next:?}");
    };
    assert_ne!(stranger.id, user.id);
    let owner: String = common::value(&direct, &owner_sql).await;
    assert_eq!(owner, stranger.id.as_str());
}

/// A session that logged in long ago cannot start a number change: a stolen access token of
/// such a session must not move the account to its thief's number.
#[tokio::test]
async fn a_number_change_needs_a_recent_login() {
    use auth_core::ports::{PhoneChange, PhoneChangeOutcome};
    let db = migrated("lifecycle_change_recent").await;
    let pooled = db.pooled().await;
    let store = PgAccountStore::new(&pooled);
    let user = log_in(&store, "+14155552861", 1).await.into_user();
    db.direct()
        .await
        .batch_execute("UPDATE sessions SET created_at = now() - interval '1 hour'")
        .await
        .unwrap();
    let change = PhoneChange {
        user: &user.id,
        session: &session(1),
        new_phone: &PhoneNumber::parse("+14155552862", None).unwrap(),
        revoke_other_sessions: true,
        max_auth_age_secs: 600,
    };
    let outcome = store.change_phone(&change).await.unwrap();
    assert_eq!(outcome, PhoneChangeOutcome::NotRecent);
    let direct = db.direct().await;
    let pending: i64 = common::value(
        &direct,
        "SELECT count(*) FROM users WHERE pending_phone IS NOT NULL",
    )
    .await;
    assert_eq!(pending, 0, "nothing was begun");
}
