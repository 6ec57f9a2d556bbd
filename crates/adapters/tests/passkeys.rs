#![cfg(not(target_arch = "wasm32"))]
//! Passkeys against a real PostgreSQL through PgBouncer, where only the database can show it
//! (the port's contract runs in `accounts.rs`): sign-ins and registrations racing on other
//! connections, the recent-login rule, and the audit rows each change writes with itself.

mod common;

use auth_adapters::pg::{migrate, PgAccountStore};
use auth_core::domain::account::{Scope, UserId};
use auth_core::domain::passkey::{CredentialId, PasskeyName};
use auth_core::domain::phone::PhoneNumber;
use auth_core::domain::secrets::RefreshSecret;
use auth_core::domain::session::SessionId;
use auth_core::ports::{
    AccountStore, NewLogin, NewPasskey, PasskeyAdded, PasskeyRemoval, PasskeySignIn,
    PasskeySignInOutcome, PasskeyStore,
};
use common::FreshDb;

async fn migrated(label: &str) -> FreshDb {
    let db = FreshDb::create(label).await;
    migrate::apply(&db.direct().await, common::project_migrations(), |_, _| {})
        .await
        .unwrap();
    db
}

const USER: &str = "3e8d1c2b-5a4f-4b6e-9d7c-0a1b2c3d4e5f";

fn user() -> UserId {
    UserId::parse(USER).unwrap()
}

fn session(n: u32) -> SessionId {
    SessionId::parse(&format!("passkey-session-{n}-0123456789")).unwrap()
}

fn credential(n: u8) -> CredentialId {
    CredentialId::from_bytes(&[n; 20]).unwrap()
}

/// The user's first login, on session 0.
async fn logged_in(store: &PgAccountStore<'_>) {
    let login = NewLogin {
        phone: &PhoneNumber::parse("+14155552671", None).unwrap(),
        new_user_id: &user(),
        session: &session(0),
        refresh_secret: &RefreshSecret([1; 32]),
        refresh_expires_at: common::now() + 86_400,
        user_agent: None,
        client_ip: None,
        new_user_scope: &Scope::Unscoped,
        known_account: None,
        binding: None,
    };
    store.login(&login).await.unwrap();
}

/// A registration from the login's session (0).
fn registration<'a>(
    ids: &'a (UserId, SessionId),
    credential: &'a CredentialId,
    name: &'a PasskeyName,
) -> NewPasskey<'a> {
    NewPasskey {
        user: &ids.0,
        session: &ids.1,
        max_auth_age_secs: 600,
        credential,
        public_key: &[0xa5],
        algorithm: -7,
        sign_count: 0,
        transports: &[],
        name,
        max_passkeys: 5,
    }
}

async fn sign_in(store: &PgAccountStore<'_>, key: u8, count: u32, n: u32) -> PasskeySignInOutcome {
    let sign_in = PasskeySignIn {
        user: &user(),
        credential: &credential(key),
        sign_count: count,
        session: &session(n),
        refresh_hash: &[n as u8; 32],
        refresh_expires_at: common::now() + 86_400,
        user_agent: Some("passkeys/1.0"),
        client_ip: Some("192.0.2.5"),
    };
    store.sign_in_with_passkey(&sign_in).await.unwrap()
}

/// Twenty sign-ins presenting one sign count, each on its own connection: the count is
/// compared and advanced in one step, so exactly one starts a session (a replayed assertion
/// that slipped past its challenge would be the other nineteen).
#[tokio::test]
async fn of_twenty_sign_ins_with_one_count_exactly_one_starts_a_session() {
    let db = migrated("passkeys_race").await;
    let pooled = db.pooled().await;
    let store = PgAccountStore::new(&pooled);
    logged_in(&store).await;
    let name = PasskeyName::parse("laptop").unwrap();
    let added = store
        .add_passkey(&registration(&(user(), session(0)), &credential(1), &name))
        .await;
    assert!(matches!(added, Ok(PasskeyAdded::Added(_))), "{added:?}");
    let mut tasks = Vec::new();
    for n in 1..=20 {
        let client = db.pooled().await;
        tasks.push(tokio::spawn(async move {
            sign_in(&PgAccountStore::new(&client), 1, 7, n).await
        }));
    }
    let mut signed_in = 0;
    for task in tasks {
        match task.await.unwrap() {
            PasskeySignInOutcome::SignedIn(_) => signed_in += 1,
            PasskeySignInOutcome::Rollback { stored: 7 } => {}
            other => panic!("{other:?}"),
        }
    }
    assert_eq!(signed_in, 1);
    let direct = db.direct().await;
    let sessions: i64 = common::value(&direct, "SELECT count(*) FROM sessions").await;
    assert_eq!(sessions, 2, "the login's and the one sign-in's");
    let refused: i64 = common::value(
        &direct,
        "SELECT count(*) FROM audit_events WHERE event = 'passkey_rollback'",
    )
    .await;
    assert_eq!(refused, 19, "every refusal is audited");
}

/// Ten registrations racing for the last four places: the count and the insert are one step.
#[tokio::test]
async fn racing_registrations_never_pass_the_limit() {
    let db = migrated("passkeys_limit").await;
    let pooled = db.pooled().await;
    logged_in(&PgAccountStore::new(&pooled)).await;
    let name = PasskeyName::parse("first").unwrap();
    let first = PgAccountStore::new(&pooled)
        .add_passkey(&registration(
            &(user(), session(0)),
            &credential(100),
            &name,
        ))
        .await;
    assert!(matches!(first, Ok(PasskeyAdded::Added(_))), "{first:?}");
    let mut tasks = Vec::new();
    for n in 0..10u8 {
        let client = db.pooled().await;
        tasks.push(tokio::spawn(async move {
            let name = PasskeyName::parse(&format!("key {n}")).unwrap();
            let credential = credential(n);
            PgAccountStore::new(&client)
                .add_passkey(&registration(&(user(), session(0)), &credential, &name))
                .await
                .unwrap()
        }));
    }
    let mut added = 0;
    for task in tasks {
        match task.await.unwrap() {
            PasskeyAdded::Added(_) => added += 1,
            PasskeyAdded::TooMany => {}
            other => panic!("{other:?}"),
        }
    }
    assert_eq!(added, 4, "five at most, one was there");
    let stored: i64 = common::value(&db.direct().await, "SELECT count(*) FROM passkeys").await;
    assert_eq!(stored, 5);
}

/// A registration and a removal need a session that logged in recently, as a number change
/// does: a stolen access token of an old session can neither add the thief's passkey nor strip
/// the user's own.
#[tokio::test]
async fn an_old_session_adds_or_removes_nothing_and_each_change_is_audited_with_its_client() {
    let db = migrated("passkeys_audit").await;
    let pooled = db.pooled().await;
    let store = PgAccountStore::new(&pooled).for_client(Some("192.0.2.44"), Some("audit/1.0"));
    logged_in(&store).await;
    let direct = db.direct().await;
    direct
        .batch_execute("UPDATE sessions SET created_at = now() - interval '1 hour'")
        .await
        .unwrap();
    let name = PasskeyName::parse("phone").unwrap();
    let late = store
        .add_passkey(&registration(&(user(), session(0)), &credential(3), &name))
        .await;
    assert_eq!(late.unwrap(), PasskeyAdded::NotRecent);
    direct
        .batch_execute("UPDATE sessions SET created_at = now()")
        .await
        .unwrap();
    let added = store
        .add_passkey(&registration(&(user(), session(0)), &credential(3), &name))
        .await;
    assert!(matches!(added, Ok(PasskeyAdded::Added(_))), "{added:?}");
    assert!(matches!(
        sign_in(&store, 3, 0, 1).await,
        PasskeySignInOutcome::SignedIn(_)
    ));
    // Nor does an old session remove one: a thief cannot push the user back to SMS codes.
    let age = |sql: &'static str| direct.batch_execute(sql);
    age("UPDATE sessions SET created_at = now() - interval '1 hour' WHERE id LIKE '%-0-%'")
        .await
        .unwrap();
    let old = store
        .remove_passkey(&user(), &session(0), 600, &credential(3))
        .await;
    assert_eq!(old.unwrap(), PasskeyRemoval::NotRecent);
    age("UPDATE sessions SET created_at = now()").await.unwrap();
    let removed = store
        .remove_passkey(&user(), &session(0), 600, &credential(3))
        .await;
    assert_eq!(removed.unwrap(), PasskeyRemoval::Removed);

    let audit: Vec<String> = common::column(
        &direct,
        "SELECT concat_ws(' ', event, session_id, ip, user_agent, detail) FROM audit_events
         WHERE event LIKE 'passkey%' ORDER BY id",
    )
    .await;
    let passkey = format!("passkey {}", "03".repeat(8));
    assert_eq!(
        audit,
        [
            format!(
                "passkey_added {} 192.0.2.44 audit/1.0 {passkey}",
                session(0).as_str()
            ),
            format!(
                "passkey_login {} 192.0.2.5 passkeys/1.0 {passkey}",
                session(1).as_str()
            ),
            format!(
                "passkey_removed {} 192.0.2.44 audit/1.0 {passkey}",
                session(0).as_str()
            ),
        ]
    );
}
