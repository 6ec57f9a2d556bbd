//! A client of the Go service stays logged in across the switch: its database imported with
//! `auth-ops import-otp-auth`, the cookies it holds (a 32-character refresh token and the Go
//! session id) refresh once on the otp-auth-v1 profile and become ours; a Go token presented
//! again, an expired one and a revoked one do not.

use e2e::go_client::{assert_error, GoClient};
use e2e::variants;
use e2e::webhook::receiver;
use serde_json::json;
use tokio_postgres::NoTls;

const GO_SCHEMA: &str = include_str!("../../../crates/ops/tests/fixtures/otp_auth_v1.sql");

/// 32 characters of [A-Za-z0-9], as the Go service made its refresh tokens.
fn go_token() -> String {
    let alphabet = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    (0..32)
        .map(|_| alphabet[e2e::api::random_u32() as usize % alphabet.len()] as char)
        .collect()
}

/// 64 hex characters, as the Go service made its session ids.
fn go_session() -> String {
    (0..8)
        .map(|_| format!("{:08x}", e2e::api::random_u32()))
        .collect()
}

fn sha256_hex(token: &str) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(token.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// A Go service's database holding one user (`phone`, scope `admin`) with tokens in the given
/// states: `(token, session, state)` where state is `live`, `expired` or `revoked`.
async fn go_database(user: &str, phone: &str, tokens: &[(&str, &str, &str)]) -> String {
    let admin = std::env::var("TEST_DATABASE_URL").expect("run with `cargo xtask test`");
    let name = format!("go_source_{}", e2e::api::random_u32());
    let connect = |url: String| async move {
        let (client, connection) = tokio_postgres::connect(&url, NoTls).await.unwrap();
        tokio::spawn(connection);
        client
    };
    let admin_client = connect(admin.clone()).await;
    admin_client
        .batch_execute(&format!("CREATE DATABASE {name}"))
        .await
        .unwrap();
    let url = format!("{}/{name}", admin.rsplit_once('/').unwrap().0);
    let go = connect(url.clone()).await;
    go.batch_execute(GO_SCHEMA).await.unwrap();
    go.execute(
        "INSERT INTO users (id, phone_number, scope) VALUES ($1::text::uuid, $2, 'admin')",
        &[&user, &phone],
    )
    .await
    .unwrap();
    for (token, session, state) in tokens {
        let (expires, revoked) = match *state {
            "expired" => ("now() - interval '1 minute'", "NULL"),
            "revoked" => ("now() + interval '1 day'", "now()"),
            _ => ("now() + interval '3 days'", "NULL"),
        };
        let sql = format!(
            "INSERT INTO refresh_tokens (id, user_id, session_id, token_hash, expires_at, revoked_at)
             VALUES (gen_random_uuid(), $1::text::uuid, $2, $3, {expires}, {revoked})"
        );
        go.execute(&sql, &[&user, session, &sha256_hex(token)])
            .await
            .unwrap();
    }
    url
}

#[tokio::test]
async fn a_go_client_keeps_its_session_through_the_import_and_refreshes_once() {
    let worker = variants::start("otp-auth-import", &[("API_PROFILE", "otp-auth-v1")]);
    let base = worker.instance.url();
    let user = format!("{:08x}-9a41-4d3f-8e2a-5c1d9f3b7a60", e2e::api::random_u32());
    // Its CHECK constraint wants 12 to 15 digits: an Iranian mobile number, as its users had.
    let phone = format!("+98912{:07}", e2e::api::random_u32() % 10_000_000);
    let (live, other, expired, revoked) = (go_token(), go_token(), go_token(), go_token());
    let (session, other_session) = (go_session(), go_session());
    let source = go_database(
        &user,
        &phone,
        &[
            (&live, &session, "live"),
            (&other, &other_session, "live"),
            (&expired, &session, "expired"),
            (&revoked, &other_session, "revoked"),
        ],
    )
    .await;
    let report = std::env::temp_dir().join(format!("e2e-import-{}.tsv", e2e::api::random_u32()));
    let options = auth_ops::import_otp_auth::Options {
        from: source,
        to: e2e::stack().database_url(),
        batch: 100,
        report,
    };
    let summary = tokio::task::spawn_blocking(move || auth_ops::import_otp_auth::run(&options))
        .await
        .unwrap()
        .unwrap();
    assert_eq!((summary.users_created, summary.tokens_stored), (1, 2));
    assert_eq!((summary.expired_tokens, summary.revoked_tokens), (1, 1));

    // The Go client's cookies, unchanged: one refresh with them works, as one of the Go user.
    let mut go = GoClient::new(&base);
    go.jar.insert("refresh_token".into(), live.clone());
    go.jar.insert("session_id".into(), session.clone());
    let refreshed = go.send("POST", "/api/v1/auth/refresh", None, &[]).await;
    assert_eq!(refreshed.status, 200, "{}", refreshed.body);
    let ours = go.jar["refresh_token"].clone();
    assert_eq!(ours.len(), 64, "the successor is one of ours: {ours}");
    assert_eq!(go.jar["session_id"], session, "the Go session goes on");
    let profile = go.send("GET", "/api/v1/users/profile", None, &[]).await;
    assert_eq!(profile.status, 200, "{}", profile.body);
    assert_eq!(profile.body["user"]["id"], json!(user));
    assert_eq!(profile.body["user"]["phone_number"], json!(phone));
    assert_eq!(profile.body["user"]["scope"], json!("admin"));

    // The Go token again: a reuse, so the session ends, successor and all.
    let mut replay = GoClient::new(&base);
    replay.jar.insert("refresh_token".into(), live.clone());
    replay.jar.insert("session_id".into(), session.clone());
    let replayed = replay.send("POST", "/api/v1/auth/refresh", None, &[]).await;
    assert_error(&replayed, 401, "UNAUTHORIZED_ERROR");
    let after = go.send("POST", "/api/v1/auth/refresh", None, &[]).await;
    assert_error(&after, 401, "UNAUTHORIZED_ERROR");

    // Expired and revoked Go tokens were never imported.
    for (token, sid) in [(&expired, &session), (&revoked, &other_session)] {
        let mut stale = GoClient::new(&base);
        stale.jar.insert("refresh_token".into(), token.clone());
        stale.jar.insert("session_id".into(), sid.clone());
        let answer = stale.send("POST", "/api/v1/auth/refresh", None, &[]).await;
        assert_error(&answer, 401, "UNAUTHORIZED_ERROR");
    }

    // The other Go session logs out with its cookies; its token is dead afterwards.
    let mut leaving = GoClient::new(&base);
    leaving.jar.insert("refresh_token".into(), other.clone());
    leaving
        .jar
        .insert("session_id".into(), other_session.clone());
    let out = leaving.send("POST", "/api/v1/auth/logout", None, &[]).await;
    assert_eq!(out.status, 200, "{}", out.body);
    let mut late = GoClient::new(&base);
    late.jar.insert("refresh_token".into(), other.clone());
    late.jar.insert("session_id".into(), other_session.clone());
    let answer = late.send("POST", "/api/v1/auth/refresh", None, &[]).await;
    assert_error(&answer, 401, "UNAUTHORIZED_ERROR");

    // The Go user's phone logs in to the same account, which keeps its scope.
    receiver();
    let mut fresh = GoClient::new(&base);
    let logged_in = fresh.log_in(&phone, &phone).await;
    assert_eq!(logged_in.status, 200, "{}", logged_in.body);
    assert_eq!(logged_in.body["user"]["id"], json!(user));
    assert_eq!(logged_in.body["user"]["scope"], json!("admin"));
}
