//! Bytes per user in PostgreSQL, written by the account store's own statements: first logins
//! (a user, its number's claim, a session, a refresh token, an audit row), one refresh each, a
//! second login each (a returning user's new session), a passkey each (registered from that
//! session) and a sign-in with it, measured as the growth of every table with its indexes.

use super::block_on_local;
use auth_adapters::pg::PgAccountStore;
use auth_core::domain::account::{Scope, UserId};
use auth_core::domain::passkey::{CredentialId, PasskeyName};
use auth_core::domain::phone::PhoneNumber;
use auth_core::domain::secrets::{RefreshSecret, RefreshToken};
use auth_core::domain::session::SessionId;
use auth_core::ports::{
    AccountStore, NewLogin, NewPasskey, PasskeyAdded, PasskeySignIn, PasskeySignInOutcome,
    PasskeyStore, Rotation, RotationOutcome,
};
use auth_ops::db::{connect, pg_message};
use std::collections::BTreeMap;
use std::time::Instant;
use tokio_postgres::Client;

/// Connections writing at once.
const WRITERS: u32 = 8;

/// Each table's bytes (with its indexes and TOAST) and rows.
pub type Sizes = BTreeMap<String, (i64, i64)>;

/// What the run wrote and what it came to.
pub struct Growth {
    pub users: u32,
    /// Sizes when empty, after the first logins, after one refresh each, after a second login,
    /// after a passkey each, after a sign-in with it.
    pub stages: [Sizes; 6],
    pub login_rate: f64,
}

pub fn measure(url: &str, users: u32) -> crate::Result<Growth> {
    block_on_local(run(url, users))
}

async fn run(url: &str, users: u32) -> crate::Result<Growth> {
    let db = connect(url, "the capacity database").await?;
    let empty = sizes(&db).await?;
    let started = Instant::now();
    in_parallel(url, users, Step::FirstLogin).await?;
    let login_rate = f64::from(users) / started.elapsed().as_secs_f64();
    let logged_in = sizes(&db).await?;
    in_parallel(url, users, Step::Refresh).await?;
    let refreshed = sizes(&db).await?;
    in_parallel(url, users, Step::SecondLogin).await?;
    let returned = sizes(&db).await?;
    in_parallel(url, users, Step::Passkey).await?;
    let enrolled = sizes(&db).await?;
    in_parallel(url, users, Step::PasskeySignIn).await?;
    let signed_in = sizes(&db).await?;
    Ok(Growth {
        users,
        stages: [empty, logged_in, refreshed, returned, enrolled, signed_in],
        login_rate,
    })
}

#[derive(Clone, Copy, PartialEq)]
enum Step {
    FirstLogin,
    Refresh,
    SecondLogin,
    Passkey,
    PasskeySignIn,
}

/// Runs `step` for every user, WRITERS connections at once, each over its share of the users.
async fn in_parallel(url: &str, users: u32, step: Step) -> crate::Result<()> {
    let mut writers = tokio::task::JoinSet::new();
    for writer in 0..WRITERS {
        let url = url.to_owned();
        writers.spawn_local(async move {
            let client = connect(&url, "the capacity database").await?;
            let store = PgAccountStore::new(&client);
            for n in (writer..users).step_by(WRITERS as usize) {
                write(&store, n, step).await?;
            }
            Ok::<(), String>(())
        });
    }
    while let Some(done) = writers.join_next().await {
        done.map_err(|e| format!("a writer stopped: {e}"))??;
    }
    Ok(())
}

fn user(n: u32) -> UserId {
    UserId::parse(&format!("c0ffee00-0000-4000-8000-{n:012}")).expect("a uuid")
}

fn secret(n: u32, round: u8) -> RefreshSecret {
    let mut bytes = [round; 32];
    bytes[..4].copy_from_slice(&n.to_be_bytes());
    RefreshSecret(bytes)
}

async fn write(store: &PgAccountStore<'_>, n: u32, step: Step) -> crate::Result<()> {
    let in_30_days = super::unix_now() + 30 * 86_400;
    let failed = |e: auth_core::ports::BackendError| format!("user {n}: {e}");
    if step == Step::Refresh {
        let presented = RefreshToken::for_user(&user(n), &secret(n, 1));
        let successor = RefreshToken::for_user(&user(n), &secret(n, 2));
        let rotation = Rotation {
            presented: &RefreshToken::parse(&presented.token).expect("a token"),
            successor_hash: &successor.hash,
            session: None,
            successor_expires_at: in_30_days,
            grace_secs: 0,
        };
        return match store.rotate(&rotation).await.map_err(failed)? {
            RotationOutcome::Rotated { .. } => Ok(()),
            other => Err(format!("user {n}: the refresh came to {other:?}")),
        };
    }
    if matches!(step, Step::Passkey | Step::PasskeySignIn) {
        return passkey(store, n, step, in_30_days).await;
    }
    // +98 912 numbers, distinct for the first ten million users (7919 is prime to 10^7).
    let number = format!("+98912{:07}", (u64::from(n) * 7919) % 10_000_000);
    let phone = PhoneNumber::parse(&number, None).map_err(|e| format!("{number}: {e:?}"))?;
    let round = if step == Step::FirstLogin { 1 } else { 3 };
    let session = session(n, round)?;
    let login = NewLogin {
        phone: &phone,
        new_user_id: &user(n),
        session: &session,
        refresh_secret: &secret(n, round),
        refresh_expires_at: in_30_days,
        user_agent: Some("Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) MyApp/4.2"),
        client_ip: Some("198.51.100.23"),
        new_user_scope: &Scope::Unscoped,
        known_account: None,
        binding: None,
    };
    store.login(&login).await.map_err(failed)?;
    Ok(())
}

/// The session of a user's login `round` (1: the first, 3: the second).
fn session(n: u32, round: u8) -> Result<SessionId, String> {
    SessionId::parse(&format!("capacity-{n:08}-{round}-session-0123456789"))
        .map_err(|e| format!("{e:?}"))
}

/// A passkey as a phone's platform authenticator makes one: a 20-byte credential id and an ES256
/// COSE key (77 bytes); registered from the second login's session, then used once.
async fn passkey(
    store: &PgAccountStore<'_>,
    n: u32,
    step: Step,
    expires: i64,
) -> crate::Result<()> {
    let failed = |e: auth_core::ports::BackendError| format!("user {n}: {e}");
    let mut id = [7u8; 20];
    id[..4].copy_from_slice(&n.to_be_bytes());
    let credential = CredentialId::from_bytes(&id).map_err(|e| e.to_string())?;
    let mut cose = vec![0xa5, 0x01, 0x02, 0x03, 0x26, 0x20, 0x01, 0x21, 0x58, 0x20];
    cose.extend_from_slice(&[n as u8; 32]);
    cose.extend_from_slice(&[0x22, 0x58, 0x20]);
    cose.extend_from_slice(&[!(n as u8); 32]);
    if step == Step::Passkey {
        let added = store
            .add_passkey(&NewPasskey {
                user: &user(n),
                session: &session(n, 3)?,
                max_auth_age_secs: 3600,
                credential: &credential,
                public_key: &cose,
                algorithm: -7,
                sign_count: 0,
                transports: &["internal".to_owned(), "hybrid".to_owned()],
                name: &PasskeyName::parse("iPhone").map_err(|e| e.to_string())?,
                max_passkeys: auth_core::domain::passkey::MAX_PASSKEYS_PER_USER,
            })
            .await
            .map_err(failed)?;
        return match added {
            PasskeyAdded::Added(_) => Ok(()),
            other => Err(format!("user {n}: the registration came to {other:?}")),
        };
    }
    let refresh = RefreshToken::for_user(&user(n), &secret(n, 5));
    let signed_in = store
        .sign_in_with_passkey(&PasskeySignIn {
            user: &user(n),
            credential: &credential,
            sign_count: 1,
            session: &session(n, 5)?,
            refresh_hash: &refresh.hash,
            refresh_expires_at: expires,
            user_agent: Some("Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) MyApp/4.2"),
            client_ip: Some("198.51.100.23"),
        })
        .await
        .map_err(failed)?;
    match signed_in {
        PasskeySignInOutcome::SignedIn(_) => Ok(()),
        other => Err(format!("user {n}: the sign-in came to {other:?}")),
    }
}

/// Every table of the schema: its bytes with indexes and TOAST, and its rows.
async fn sizes(db: &Client) -> crate::Result<Sizes> {
    db.batch_execute("VACUUM ANALYZE")
        .await
        .map_err(|e| pg_message(&e))?;
    let rows = db
        .query(
            "SELECT c.relname::text, pg_total_relation_size(c.oid), \
                    (SELECT n_live_tup FROM pg_stat_user_tables s WHERE s.relid = c.oid) \
             FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
             WHERE c.relkind = 'r' AND n.nspname = 'public' ORDER BY 1",
            &[],
        )
        .await
        .map_err(|e| pg_message(&e))?;
    Ok(rows
        .iter()
        .map(|r| {
            let rows: Option<i64> = r.get(2);
            (r.get::<_, String>(0), (r.get(1), rows.unwrap_or(0)))
        })
        .collect())
}
