//! The end of an account's life over HTTP: a superadmin blocks, unblocks and deletes a user; a
//! user deletes their own account, only from a recent login; a login racing a deletion never
//! leaves the deleted user a working session. Each checked in the database too: what a deletion
//! erases and what the audit trail keeps.

use e2e::api::{as_bearer, random_phone, Client};
use e2e::webhook::receiver;
use e2e::{stack, variants};
use serde_json::Value;

/// A worker without the resend cooldown, and room for more codes per number in the window:
/// these tests log one number in four times.
fn worker(name: &str) -> xtask::stack::worker::RunningWorker {
    variants::start(
        name,
        &[
            ("OTP_RESEND_COOLDOWN_SECONDS", "0"),
            ("OTP_SENDS_PER_WINDOW", "10"),
        ],
    )
}

/// Sends a code and logs in with it; the login's reply as is.
async fn login(c: &Client, phone: &str) -> (u16, Value) {
    let sent = c.send_otp(phone, None).await;
    assert_eq!(sent.status, 200, "{:?}", sent.body);
    let session = sent.body["session_id"].as_str().unwrap().to_owned();
    let reply = c.login(phone, &receiver().latest(phone), &session).await;
    (reply.status, reply.body)
}

async fn logged_in(c: &Client, phone: &str) -> Value {
    let (status, body) = login(c, phone).await;
    assert_eq!(status, 200, "{body}");
    body
}

async fn call(base: &str, method: &str, path: &str, token: &str) -> (u16, Value) {
    as_bearer(base, method, path, token, None).await
}

async fn database() -> tokio_postgres::Client {
    let (client, connection) =
        tokio_postgres::connect(&stack().database_url(), tokio_postgres::NoTls)
            .await
            .unwrap();
    tokio::spawn(connection);
    client
}

/// The audit events of a user, oldest first, as `event by actor` (or `event` alone).
async fn audit(db: &tokio_postgres::Client, user: &str) -> Vec<String> {
    db.query(
        "SELECT event || coalesce(' by ' || actor_id::text, '') FROM audit_events
         WHERE user_id = $1::text::uuid ORDER BY id",
        &[&user],
    )
    .await
    .unwrap()
    .iter()
    .map(|r| r.get(0))
    .collect()
}

fn text<'a>(body: &'a Value, pointer: &str) -> &'a str {
    body.pointer(pointer)
        .and_then(Value::as_str)
        .unwrap_or_default()
}

#[tokio::test]
async fn a_superadmin_blocks_unblocks_and_deletes_a_user() {
    let worker = worker("lifecycle-admin");
    let base = worker.instance.url();
    let c = Client::new(&base);
    let (admin_phone, user_phone) = (random_phone(), random_phone());
    let admin = logged_in(&c, &admin_phone).await;
    let user = logged_in(&c, &user_phone).await;
    let admin_token = text(&admin, "/access_token");
    let (admin_id, user_id) = (text(&admin, "/user/id"), text(&user, "/user/id"));
    let block = format!("/api/v1/users/{user_id}/block");

    let (status, body) = call(&base, "POST", &block, text(&user, "/access_token")).await;
    assert_eq!((status, text(&body, "/code")), (403, "FORBIDDEN"));
    auth_ops::scope::set(&stack().database_url(), &admin_phone, "superadmin").unwrap();
    let own = format!("/api/v1/users/{admin_id}/block");
    let (status, body) = call(&base, "POST", &own, admin_token).await;
    assert_eq!((status, text(&body, "/code")), (400, "INVALID_REQUEST"));

    let (status, blocked) = call(&base, "POST", &block, admin_token).await;
    assert_eq!(status, 200, "{blocked}");
    assert_eq!(
        (
            blocked["blocked"].as_bool(),
            blocked["sessions_ended"].as_u64()
        ),
        (Some(true), Some(1))
    );
    // Every credential of the user is dead at once, and a login with the right code is refused.
    let (status, _) = call(
        &base,
        "GET",
        "/api/v1/users/profile",
        text(&user, "/access_token"),
    )
    .await;
    assert_eq!(status, 401);
    let refresh = c
        .post(
            "/api/v1/auth/refresh",
            serde_json::json!({"refresh_token": user["refresh_token"]}),
        )
        .await;
    assert_eq!(refresh.status, 401, "{:?}", refresh.body);
    let (status, body) = login(&c, &user_phone).await;
    assert_eq!(
        (status, text(&body, "/code")),
        (403, "USER_BLOCKED"),
        "{body}"
    );
    e2e::openapi::check("POST", "/api/v1/auth/login", status, &body);

    let (status, unblocked) = call(&base, "DELETE", &block, admin_token).await;
    assert_eq!(
        (status, unblocked["blocked"].as_bool()),
        (200, Some(false)),
        "{unblocked}"
    );
    let back = logged_in(&c, &user_phone).await;
    assert_eq!(
        text(&back, "/user/id"),
        user_id,
        "an unblocked user logs in to the same account"
    );

    let account = format!("/api/v1/users/{user_id}");
    let (status, body) = call(&base, "DELETE", &account, admin_token).await;
    assert_eq!(status, 200, "{body}");
    let (status, _) = call(&base, "GET", &account, admin_token).await;
    assert_eq!(status, 404);
    let (status, _) = call(&base, "DELETE", &account, admin_token).await;
    assert_eq!(status, 404, "a deleted user is not found again");
    let (status, _) = call(
        &base,
        "GET",
        "/api/v1/users/profile",
        text(&back, "/access_token"),
    )
    .await;
    assert_eq!(status, 401);
    let reborn = logged_in(&c, &user_phone).await;
    assert_eq!(reborn["is_new_user"], true);
    assert_ne!(text(&reborn, "/user/id"), user_id);

    let db = database().await;
    assert_eq!(
        audit(&db, user_id).await,
        [
            "login".to_owned(),
            "new_user".to_owned(),
            format!("blocked by {admin_id}"),
            "login_refused".to_owned(),
            format!("unblocked by {admin_id}"),
            "login".to_owned(),
            format!("deleted by {admin_id}"),
        ]
    );
    let personal: i64 = db
        .query_one(
            "SELECT count(*) FROM audit_events WHERE user_id = $1::text::uuid
             AND (ip IS NOT NULL OR user_agent IS NOT NULL)",
            &[&user_id],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(personal, 0, "the audit rows keep no address or user agent");
    let owner: String = db
        .query_one(
            "SELECT user_id::text FROM user_phones WHERE phone = $1",
            &[&user_phone],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(owner, text(&reborn, "/user/id"));
}

#[tokio::test]
async fn a_user_deletes_their_own_account_only_from_a_recent_login() {
    let worker = worker("lifecycle-own");
    let base = worker.instance.url();
    let c = Client::new(&base);
    let phone = random_phone();
    let old = logged_in(&c, &phone).await;
    let recent = logged_in(&c, &phone).await;
    let user_id = text(&old, "/user/id");
    // The first session logged in an hour ago, as far as the database knows.
    database()
        .await
        .execute(
            "UPDATE sessions SET created_at = now() - interval '1 hour' WHERE id = $1",
            &[&text(&old, "/session_id")],
        )
        .await
        .unwrap();

    let (status, body) = call(
        &base,
        "DELETE",
        "/api/v1/users/me",
        text(&old, "/access_token"),
    )
    .await;
    assert_eq!(
        (status, text(&body, "/code")),
        (403, "REAUTHENTICATION_REQUIRED"),
        "{body}"
    );
    let (status, _) = call(
        &base,
        "GET",
        "/api/v1/users/profile",
        text(&old, "/access_token"),
    )
    .await;
    assert_eq!(status, 200, "a refused deletion changes nothing");

    let (status, body) = call(
        &base,
        "DELETE",
        "/api/v1/users/me",
        text(&recent, "/access_token"),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    for session in [&old, &recent] {
        let (status, _) = call(
            &base,
            "GET",
            "/api/v1/users/profile",
            text(session, "/access_token"),
        )
        .await;
        assert_eq!(status, 401);
    }
    let (status, _) = call(
        &base,
        "DELETE",
        "/api/v1/users/me",
        text(&recent, "/access_token"),
    )
    .await;
    assert_eq!(status, 401);
    let refresh = c
        .post(
            "/api/v1/auth/refresh",
            serde_json::json!({"refresh_token": old["refresh_token"]}),
        )
        .await;
    assert_eq!(refresh.status, 401);

    let db = database().await;
    let left: i64 = db
        .query_one(
            "SELECT (SELECT count(*) FROM users WHERE id = $1::text::uuid)
                  + (SELECT count(*) FROM sessions WHERE user_id = $1::text::uuid)
                  + (SELECT count(*) FROM refresh_tokens WHERE user_id = $1::text::uuid)",
            &[&user_id],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(
        left, 0,
        "no row of the user, its sessions or tokens is left"
    );
    let events = audit(&db, user_id).await;
    assert_eq!(
        events.last().map(String::as_str),
        Some("deleted"),
        "{events:?}"
    );

    let next = logged_in(&c, &phone).await;
    assert_eq!(next["is_new_user"], true);
    assert_ne!(text(&next, "/user/id"), user_id);
}

/// A login of the number while its user deletes the account: whichever comes first, the
/// deleted user has no working session afterwards, and a login that comes second makes a new
/// user.
#[tokio::test]
async fn a_login_racing_the_deletion_never_leaves_the_deleted_user_a_session() {
    let worker = worker("lifecycle-race");
    let base = worker.instance.url();
    let c = Client::new(&base);
    let (mut undone, mut fresh) = (0, 0);
    for _ in 0..10 {
        let phone = random_phone();
        let me = logged_in(&c, &phone).await;
        let user_id = text(&me, "/user/id").to_owned();
        let sent = c.send_otp(&phone, None).await;
        let session = sent.body["session_id"].as_str().unwrap().to_owned();
        let code = receiver().latest(&phone);
        let (deleted, racing) = tokio::join!(
            call(
                &base,
                "DELETE",
                "/api/v1/users/me",
                text(&me, "/access_token")
            ),
            c.login(&phone, &code, &session)
        );
        assert_eq!(deleted.0, 200, "{}", deleted.1);
        assert_eq!(racing.status, 200, "{:?}", racing.body);
        let token = racing.body["access_token"].as_str().unwrap();
        let (status, _) = call(&base, "GET", "/api/v1/users/profile", token).await;
        if racing.body["user"]["id"] == user_id.as_str() {
            assert_eq!(
                status, 401,
                "the login came first: the deletion ended its session"
            );
            undone += 1;
        } else {
            assert_eq!(status, 200, "the login came second: a new user");
            assert_eq!(racing.body["is_new_user"], true);
            fresh += 1;
        }
    }
    eprintln!("logins undone by the deletion: {undone}, logins that made a new user: {fresh}");
}
