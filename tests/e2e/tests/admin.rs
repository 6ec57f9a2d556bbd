//! The admin user listing: the superadmin scope, given only by the operator command, read from
//! the database on every request; pagination and filters validated.

use e2e::api::{as_bearer, random_phone, Client};
use e2e::{base_url, stack};
use serde_json::Value;

async fn get(path: &str, token: &str) -> (u16, Value) {
    as_bearer(&base_url(), "GET", path, token, None).await
}

#[tokio::test]
async fn only_a_superadmin_lists_and_reads_users_and_the_scope_applies_at_once() {
    let c = Client::new(&base_url());
    let admin_phone = random_phone();
    let admin = c.logged_in(&admin_phone).await;
    let token = admin["access_token"].as_str().unwrap();
    let (status, body) = get("/api/v1/users", token).await;
    assert_eq!((status, body["code"].as_str()), (403, Some("FORBIDDEN")));

    auth_ops::scope::set(&stack().database_url(), &admin_phone, "superadmin").unwrap();
    // The same token now works: the scope is read from the database, not the token.
    let (status, body) = get("/api/v1/users?limit=2&page=1", token).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["page"], 1);
    assert_eq!(body["limit"], 2);
    assert!(body["users"].as_array().unwrap().len() <= 2);
    let total = body["total"].as_u64().unwrap();
    assert!(total >= 1);
    assert_eq!(body["total_pages"].as_u64().unwrap(), total.div_ceil(2));

    // Search by phone prefix finds exactly the users whose number starts with it.
    let other_phone = random_phone();
    let other = Client::new(&base_url()).logged_in(&other_phone).await;
    let (status, found) = get(
        &format!("/api/v1/users?search_phone={}", &other_phone[1..]),
        token,
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(found["total"], 1);
    assert_eq!(found["users"][0]["id"], other["user"]["id"]);
    let (_, none) = get(
        "/api/v1/users?date_from=2000-01-01&date_to=2000-12-31",
        token,
    )
    .await;
    assert_eq!(none["total"], 0);
    assert_eq!(none["users"].as_array().unwrap().len(), 0);
    let today = other["user"]["created_at"].as_str().unwrap()[..10].to_owned();
    let (_, todays) = get(
        &format!("/api/v1/users?date_from={today}&date_to={today}&limit=100"),
        token,
    )
    .await;
    assert!(todays["users"]
        .as_array()
        .unwrap()
        .iter()
        .any(|u| u["id"] == other["user"]["id"]));

    let (status, one) = get(
        &format!("/api/v1/users/{}", other["user"]["id"].as_str().unwrap()),
        token,
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(one["user"], other["user"]);
    for missing in [
        "00000000-0000-4000-8000-000000000000",
        "not-a-uuid",
        "%27%3B--",
    ] {
        let (status, body) = get(&format!("/api/v1/users/{missing}"), token).await;
        assert_eq!(
            (status, body["code"].as_str()),
            (404, Some("NOT_FOUND")),
            "{missing}"
        );
    }
    for bad in [
        "page=0",
        "page=-1",
        "page=abc",
        "limit=101",
        "limit=99999999999",
        "search_phone=9%25",
        "date_to=2024-02-30",
    ] {
        let (status, body) = get(&format!("/api/v1/users?{bad}"), token).await;
        assert_eq!(
            (status, body["code"].as_str()),
            (400, Some("INVALID_REQUEST")),
            "{bad}"
        );
    }

    auth_ops::scope::set(&stack().database_url(), &admin_phone, "").unwrap();
    let (db, connection) = tokio_postgres::connect(&stack().database_url(), tokio_postgres::NoTls)
        .await
        .unwrap();
    tokio::spawn(connection);
    let changes: i64 = db
        .query_one(
            "SELECT count(*) FROM audit_events WHERE user_id = $1::text::uuid AND event = 'scope_changed'",
            &[&admin["user"]["id"].as_str().unwrap()],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(changes, 2, "each scope change is in the audit trail");
    assert_eq!(
        get("/api/v1/users", token).await.0,
        403,
        "removing the scope applies at once"
    );
    let other_token = other["access_token"].as_str().unwrap();
    assert_eq!(get("/api/v1/users", other_token).await.0, 403);
    let (status, _) = reqwest::Client::new()
        .get(format!("{}/api/v1/users", base_url()))
        .send()
        .await
        .map(|r| (r.status().as_u16(), ()))
        .unwrap();
    assert_eq!(status, 401);
}
