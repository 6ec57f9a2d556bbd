//! A superadmin's actions over the API: set another user's scope (audited with the admin, in
//! force at the user's next request) and read a user's live sessions (audited too); anyone else
//! is refused. Blocks and deletions are in `account_lifecycle.rs`.

use e2e::api::{as_bearer, random_phone, Client};
use e2e::{base_url, stack};
use serde_json::{json, Value};

async fn login(phone: &str) -> Value {
    Client::new(&base_url()).logged_in(phone).await
}

/// `method` on `path` as the bearer of `token`, checked against the contract.
async fn call(method: &str, path: &str, token: &str, body: Option<Value>) -> (u16, Value) {
    as_bearer(&base_url(), method, path, token, body).await
}

#[tokio::test]
async fn a_superadmin_sets_scopes_and_reads_sessions_and_nobody_else_does() {
    let (admin_phone, user_phone) = (random_phone(), random_phone());
    let admin = login(&admin_phone).await;
    let user = login(&user_phone).await;
    let admin_token = admin["access_token"].as_str().unwrap();
    let user_token = user["access_token"].as_str().unwrap();
    let user_id = user["user"]["id"].as_str().unwrap();
    let scope_path = format!("/api/v1/users/{user_id}/scope");
    let sessions_path = format!("/api/v1/users/{user_id}/sessions");

    // Before the operator makes it a superadmin, the admin is refused like anyone.
    let (status, body) = call(
        "POST",
        &scope_path,
        admin_token,
        Some(json!({"scope": "admin"})),
    )
    .await;
    assert_eq!((status, body["code"].as_str()), (403, Some("FORBIDDEN")));
    let (status, _) = call("GET", &sessions_path, admin_token, None).await;
    assert_eq!(status, 403);
    auth_ops::scope::set(&stack().database_url(), &admin_phone, "superadmin").unwrap();

    let (status, listed) = call("GET", &sessions_path, admin_token, None).await;
    assert_eq!(status, 200, "{listed}");
    let sessions = listed["sessions"].as_array().unwrap();
    assert_eq!(sessions.len(), 1, "{listed}");
    assert_eq!(sessions[0]["id"], user["session_id"]);
    assert!(sessions[0].get("current").is_none());

    let (status, changed) = call(
        "POST",
        &scope_path,
        admin_token,
        Some(json!({"scope": "admin"})),
    )
    .await;
    assert_eq!(status, 200, "{changed}");
    assert_eq!(changed["user"]["scope"], "admin");
    // The user's next request sees it; the access token never carried it.
    let (status, me) = call("GET", "/api/v1/users/profile", user_token, None).await;
    assert_eq!((status, me["user"]["scope"].as_str()), (200, Some("admin")));
    // Natively `admin` administers nothing: the user still cannot act as an admin.
    let (status, _) = call("GET", &sessions_path, user_token, None).await;
    assert_eq!(status, 403);

    // The audit trail names the acting superadmin.
    let (client, connection) =
        tokio_postgres::connect(&stack().database_url(), tokio_postgres::NoTls)
            .await
            .unwrap();
    tokio::spawn(connection);
    let actors = |event: &'static str| {
        let client = &client;
        async move {
            let rows = client
                .query(
                    "SELECT actor_id::text FROM audit_events
                     WHERE user_id = $1::text::uuid AND event = $2",
                    &[&user_id, &event],
                )
                .await
                .unwrap();
            rows.iter().map(|r| r.get(0)).collect::<Vec<String>>()
        }
    };
    let admin_id = admin["user"]["id"].as_str().unwrap();
    assert_eq!(actors("scope_changed").await, [admin_id]);
    // So does its reading of the user's sessions (the refused reads left no row).
    assert_eq!(actors("sessions_viewed").await, [admin_id]);

    // Refusals with their codes.
    let (status, body) = call(
        "POST",
        &scope_path,
        admin_token,
        Some(json!({"scope": "Root!"})),
    )
    .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (400, Some("INVALID_REQUEST"))
    );
    let nobody = "/api/v1/users/00000000-0000-4000-8000-000000000000";
    let (status, _) = call(
        "POST",
        &format!("{nobody}/scope"),
        admin_token,
        Some(json!({"scope": ""})),
    )
    .await;
    assert_eq!(status, 404);
    let (status, _) = call("GET", &format!("{nobody}/sessions"), admin_token, None).await;
    assert_eq!(status, 404);
}
