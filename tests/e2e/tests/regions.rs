//! One worker over two data regions (`cargo xtask test regions`): `eu` is the test stack and
//! takes +44 and every code not listed, `us` is a stack of its own and takes +1. A user's rows
//! live only in their number's region; their calls reach only that region's pooler; the admin
//! listing pages across both; and with one region's backends down only its users get 503.
//!
//! Ignored in the e2e tier's run (its worker has no regions); the regions tier runs them with
//! `--ignored` against the worker it starts.

use base64::Engine as _;
use e2e::api::{as_bearer, Client};
use e2e::costs::pooled_queries_at;
use e2e::{base_url, get, stack};
use serde_json::Value;
use std::collections::HashSet;
use std::time::Duration;
use xtask::stack::{pgbouncer, redis, StackLayout};

/// A US number of a range the e2e tier never uses (its accounts are in eu's database, where a
/// +1 login without an account at home would find them), so nobody else in this run uses it.
fn us_phone() -> String {
    loop {
        let n = e2e::api::random_u32();
        let candidate = format!("+1312{:03}{:04}", 200 + n % 700, (n / 700) % 10_000);
        if auth_core::domain::phone::PhoneNumber::parse(&candidate, None).is_ok() {
            return candidate;
        }
    }
}

/// A UK mobile number nobody else in this run uses.
fn uk_phone() -> String {
    loop {
        let n = e2e::api::random_u32() % 100_000_000;
        let candidate = format!("+4477{n:08}");
        if auth_core::domain::phone::PhoneNumber::parse(&candidate, None).is_ok() {
            return candidate;
        }
    }
}

fn claims(access_token: &str) -> Value {
    let payload = access_token.split('.').nth(1).unwrap();
    let json = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload)
        .unwrap();
    serde_json::from_slice(&json).unwrap()
}

/// Rows naming `phone` in a region's database: its user and its phone history.
async fn rows_of(database_url: &str, phone: &str) -> i64 {
    let db = e2e::database(database_url).await;
    let users: i64 = db
        .query_one("SELECT count(*) FROM users WHERE phone = $1", &[&phone])
        .await
        .unwrap()
        .get(0);
    let phones: i64 = db
        .query_one(
            "SELECT count(*) FROM user_phones WHERE phone = $1",
            &[&phone],
        )
        .await
        .unwrap()
        .get(0);
    users + phones
}

fn eu() -> StackLayout {
    stack()
}

fn us() -> StackLayout {
    StackLayout::region_us()
}

/// `/ready` is 200 again (every region's backends), from a probe made after the last change.
async fn ready_again() {
    tokio::time::sleep(Duration::from_millis(1_100)).await;
    e2e::wait_for_status("/ready", 200, Duration::from_secs(5)).await;
}

async fn bearer(method: &str, path: &str, token: &str) -> (u16, Value) {
    as_bearer(&base_url(), method, path, token, None).await
}

async fn refresh(token: &str) -> e2e::api::Reply {
    Client::new(&base_url())
        .post(
            "/api/v1/auth/refresh",
            serde_json::json!({"refresh_token": token}),
        )
        .await
}

#[tokio::test]
#[ignore = "needs the regions tier's worker"]
async fn an_account_lives_only_in_its_numbers_region_and_its_calls_reach_only_that_pooler() {
    let c = Client::new(&base_url());
    for (phone, home, away) in [(uk_phone(), "eu", us()), (us_phone(), "us", eu())] {
        let login = c.logged_in(&phone).await;
        let access = login["access_token"].as_str().unwrap();
        let refresh_token = login["refresh_token"].as_str().unwrap();
        assert_eq!(
            claims(access)["rgn"],
            home,
            "the access token names the region"
        );
        assert!(
            refresh_token.starts_with(&format!("{home}.")),
            "{refresh_token}"
        );
        let home_stack = if home == "eu" { eu() } else { us() };
        assert!(rows_of(&home_stack.database_url(), &phone).await >= 2);
        assert_eq!(
            rows_of(&away.database_url(), &phone).await,
            0,
            "no row in the other region"
        );

        // Refresh, profile and sessions: queries at the home region's pooler, none at the other.
        let (home_before, away_before) = (
            pooled_queries_at(home_stack.pgbouncer_port).await,
            pooled_queries_at(away.pgbouncer_port).await,
        );
        let refreshed = refresh(refresh_token).await;
        assert_eq!(refreshed.status, 200, "{:?}", refreshed.body);
        let access = refreshed.body["access_token"].as_str().unwrap();
        assert_eq!(bearer("GET", "/api/v1/users/profile", access).await.0, 200);
        assert_eq!(bearer("GET", "/api/v1/auth/sessions", access).await.0, 200);
        let home_queries =
            e2e::costs::pooled_queries_since_at(home_stack.pgbouncer_port, home_before).await;
        assert!(
            home_queries >= 3,
            "{home}: {home_queries} queries for three calls"
        );
        tokio::time::sleep(Duration::from_millis(500)).await;
        let away_queries = pooled_queries_at(away.pgbouncer_port).await - away_before;
        assert_eq!(
            away_queries, 0,
            "a {home} user's calls reached the other region's pooler"
        );
    }
}

#[tokio::test]
#[ignore = "needs the regions tier's worker"]
async fn the_admin_listing_pages_across_both_regions_and_finds_users_in_either() {
    let c = Client::new(&base_url());
    let admin_phone = uk_phone();
    let admin = c.logged_in(&admin_phone).await;
    auth_ops::scope::set(&eu().database_url(), &admin_phone, "superadmin").unwrap();
    let token = admin["access_token"].as_str().unwrap();
    let far = c.logged_in(&us_phone()).await;
    c.logged_in(&uk_phone()).await;

    // The first pages are both databases' newest users merged: each region's own order kept,
    // newest second first, a tie in the second going to the default region (eu).
    const PAGES: usize = 3;
    const LIMIT: usize = 40;
    let mut lists = Vec::new();
    let mut total = 0;
    for region in [eu(), us()] {
        let db = e2e::database(&region.database_url()).await;
        let rows = db
            .query(
                "SELECT id::text, extract(epoch FROM created_at)::int8 FROM users \
                 ORDER BY created_at DESC, id LIMIT $1",
                &[&((PAGES * LIMIT) as i64)],
            )
            .await
            .unwrap();
        let list: Vec<(String, i64)> = rows.iter().map(|r| (r.get(0), r.get(1))).collect();
        lists.push(list.into_iter().peekable());
        let count: i64 = db
            .query_one("SELECT count(*) FROM users", &[])
            .await
            .unwrap()
            .get(0);
        total += count as u64;
    }
    let mut expected = Vec::new();
    while expected.len() < PAGES * LIMIT {
        let newest = lists
            .iter_mut()
            .enumerate()
            .filter_map(|(i, l)| l.peek().map(|(_, at)| (*at, i)))
            .max_by_key(|&(at, i)| (at, std::cmp::Reverse(i)));
        let Some((_, i)) = newest else { break };
        expected.push(lists[i].next().unwrap().0);
    }
    let mut seen = Vec::new();
    for page in 1..=PAGES {
        let path = format!("/api/v1/users?limit={LIMIT}&page={page}");
        let (status, body) = bearer("GET", &path, token).await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(
            body["total"].as_u64().unwrap(),
            total,
            "both regions' users count"
        );
        seen.extend(
            body["users"]
                .as_array()
                .unwrap()
                .iter()
                .map(|u| u["id"].as_str().unwrap().to_owned()),
        );
    }
    assert_eq!(
        seen, expected,
        "the pages tile both regions' newest users in order"
    );
    let unique: HashSet<&String> = seen.iter().collect();
    assert_eq!(unique.len(), seen.len(), "a user on two pages");
    for user in [&admin, &far] {
        let id = user["user"]["id"].as_str().unwrap().to_owned();
        assert!(
            seen.contains(&id),
            "the newest users of both regions are listed"
        );
    }

    // A user of the other region, by id, from an admin of this one.
    let far_id = far["user"]["id"].as_str().unwrap();
    let (status, body) = bearer("GET", &format!("/api/v1/users/{far_id}"), token).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["user"]["id"], far_id);
}

#[tokio::test]
#[ignore = "needs the regions tier's worker"]
async fn with_one_regions_pooler_or_redis_down_only_its_users_get_503() {
    let c = Client::new(&base_url());
    let eu_user = c.logged_in(&uk_phone()).await;
    let us_user = c.logged_in(&us_phone()).await;
    let token = |user: &Value, name: &str| user[name].as_str().unwrap().to_owned();
    let (status, body, _) = get("/ready").await;
    assert_eq!(status, 200, "{body}");
    for region in ["eu", "us"] {
        for backend in ["postgres", "redis"] {
            assert_eq!(body["regions"][region][backend], "ok", "{body}");
        }
    }

    pgbouncer::stop(&us());
    let (status, _) = bearer(
        "GET",
        "/api/v1/users/profile",
        &token(&us_user, "access_token"),
    )
    .await;
    assert_eq!(status, 503, "the us user's profile with the us pooler down");
    assert_eq!(refresh(&token(&us_user, "refresh_token")).await.status, 503);
    let (status, _) = bearer(
        "GET",
        "/api/v1/users/profile",
        &token(&eu_user, "access_token"),
    )
    .await;
    assert_eq!(status, 200, "the eu user is served");
    let eu_refreshed = refresh(&token(&eu_user, "refresh_token")).await;
    assert_eq!(eu_refreshed.status, 200, "{:?}", eu_refreshed.body);
    c.logged_in(&uk_phone()).await;
    tokio::time::sleep(Duration::from_millis(1_100)).await;
    let (status, body, _) = get("/ready").await;
    assert_eq!(status, 503, "{body}");
    assert_eq!(body["regions"]["us"]["postgres"], "down", "{body}");
    assert_eq!(body["regions"]["eu"]["postgres"], "ok", "{body}");
    pgbouncer::start(&us()).unwrap();
    ready_again().await;

    redis::stop(&us());
    let sent = c.send_otp(&us_phone(), None).await;
    assert_eq!(
        sent.status, 503,
        "a us number's send with the us Redis down: {:?}",
        sent.body
    );
    c.logged_in(&uk_phone()).await;
    let (status, _) = bearer(
        "GET",
        "/api/v1/users/profile",
        &token(&us_user, "access_token"),
    )
    .await;
    assert_eq!(status, 200, "the us database still serves the us user");
    redis::start(&us()).unwrap();
    ready_again().await;
    c.logged_in(&us_phone()).await;
}

#[tokio::test]
#[ignore = "needs the regions tier's worker"]
async fn counters_name_the_region_and_a_number_cannot_move_an_account_between_regions() {
    let c = Client::new(&base_url());
    let eu_user = c.logged_in(&uk_phone()).await;
    c.logged_in(&us_phone()).await;

    // Each region's logins under its own label (the counters land just after the answers).
    let token = e2e::worker_vars()["METRICS_TOKEN"].clone();
    let mut text = String::new();
    for _ in 0..20 {
        tokio::time::sleep(Duration::from_millis(200)).await;
        text = e2e::metrics_text(&base_url(), &token).await;
        let both = [
            "calling_code=\"44\",region=\"eu\"",
            "calling_code=\"1\",region=\"us\"",
        ]
        .iter()
        .all(|labels| text.contains(&format!("logins_by_calling_code_total{{{labels}}}")));
        if both {
            break;
        }
    }
    for labels in [
        "calling_code=\"44\",region=\"eu\"",
        "calling_code=\"1\",region=\"us\"",
    ] {
        let series = format!("logins_by_calling_code_total{{{labels}}}");
        assert!(text.contains(&series), "no {series} in:\n{text}");
    }

    // An eu account asked to move to a us number: refused before any code is sent.
    let access = eu_user["access_token"].as_str().unwrap();
    let base = base_url();
    let change_to = |phone: String| {
        let body = serde_json::json!({ "phone_number": phone });
        as_bearer(
            &base,
            "POST",
            "/api/v1/users/me/phone/send-otp",
            access,
            Some(body),
        )
    };
    let (status, answer) = change_to(us_phone()).await;
    assert_eq!(
        (status, answer["code"].as_str()),
        (400, Some("INVALID_PHONE")),
        "{answer}"
    );
    let (status, answer) = change_to(uk_phone()).await;
    assert_eq!(status, 200, "a number of the same region: {answer}");
}

/// Turning `DATA_REGIONS` on for a database with accounts in it: that database becomes the
/// default region's (eu), and its +1 accounts are not in their number's home (us). A +1 number
/// made before regions logs in afterwards to the same account, in eu, and a blocked one stays
/// blocked: no second account is made at home. A first login that cannot ask eu is refused
/// rather than risk a second account.
#[tokio::test]
#[ignore = "needs the regions tier's worker"]
async fn an_account_from_before_regions_logs_in_to_the_same_id_and_a_blocked_one_stays_blocked() {
    let (kept, blocked) = (us_phone(), us_phone());
    // The worker before regions: one database and one Redis, the ones that became eu's.
    let vars = e2e::worker_vars();
    let before = e2e::variants::start(
        "before-regions",
        &[
            ("DATA_REGIONS", ""),
            ("DATA_REGION_DEFAULT", ""),
            ("REDIS_REST_URL", &vars["REDIS_REST_URL_EU"]),
            ("REDIS_REST_TOKEN", &vars["REDIS_REST_TOKEN_EU"]),
        ],
    );
    let old = Client::new(&before.instance.url());
    let kept_id = old.logged_in(&kept).await["user"]["id"].clone();
    let blocked_id = old.logged_in(&blocked).await["user"]["id"].clone();
    drop(before);
    let eu_db = e2e::database(&eu().database_url()).await;
    let id = blocked_id.as_str().unwrap();
    eu_db
        .execute(
            "SELECT * FROM account_admin_set_blocked($1::text::uuid, true, $1::text::uuid)",
            &[&id],
        )
        .await
        .unwrap();

    let c = Client::new(&base_url());
    let login = c.logged_in(&kept).await;
    assert_eq!(login["user"]["id"], kept_id, "the same account");
    assert_eq!(login["is_new_user"], false);
    let access = login["access_token"].as_str().unwrap();
    assert_eq!(
        claims(access)["rgn"],
        "eu",
        "its tokens name the region that holds it"
    );
    let refreshed = refresh(login["refresh_token"].as_str().unwrap()).await;
    assert_eq!(refreshed.status, 200, "{:?}", refreshed.body);
    assert_eq!(
        rows_of(&us().database_url(), &kept).await,
        0,
        "no second account"
    );

    let sent = c.send_otp(&blocked, None).await;
    assert_eq!(sent.status, 200, "{:?}", sent.body);
    let session = sent.body["session_id"].as_str().unwrap();
    let code = e2e::webhook::receiver().latest(&blocked);
    let refused = c.login(&blocked, &code, session).await;
    assert_eq!(
        (refused.status, refused.code()),
        (403, "USER_BLOCKED"),
        "{:?}",
        refused.body
    );
    assert_eq!(
        rows_of(&us().database_url(), &blocked).await,
        0,
        "no escape through us"
    );

    pgbouncer::stop(&eu());
    let new = us_phone();
    let sent = c.send_otp(&new, None).await;
    let session = sent.body["session_id"].as_str().unwrap();
    let code = e2e::webhook::receiver().latest(&new);
    let unsure = c.login(&new, &code, session).await;
    pgbouncer::start(&eu()).unwrap();
    assert_eq!(
        unsure.status, 503,
        "eu could not be asked: {:?}",
        unsure.body
    );
    assert_eq!(rows_of(&us().database_url(), &new).await, 0);
    ready_again().await;
}

/// A passkey sign-in starts from nothing but the assertion: its user handle names the region
/// (`eu.` + the user id), so the key lookup and the sign-in reach the home region's pooler
/// alone, and the tokens name that region as a phone login's do.
#[tokio::test]
#[ignore = "needs the regions tier's worker"]
async fn a_passkey_signs_in_to_its_users_region_named_by_its_user_handle() {
    use e2e::passkey::{b64_decode, Passkey, ORIGIN, RP_ID};
    let c = Client::new(&base_url());
    for (phone, home, away) in [(uk_phone(), "eu", us()), (us_phone(), "us", eu())] {
        let login = c.logged_in(&phone).await;
        let access = login["access_token"].as_str().unwrap();
        let (status, options) = as_bearer(
            &base_url(),
            "POST",
            "/api/v1/passkeys/register/options",
            access,
            None,
        )
        .await;
        assert_eq!(status, 200, "{options}");
        let handle = b64_decode(options["user"]["id"].as_str().unwrap());
        let user = login["user"]["id"].as_str().unwrap();
        assert_eq!(handle, format!("{home}.{user}").into_bytes());
        let key = Passkey::new();
        let challenge = options["challenge"].as_str().unwrap();
        let body = key.registration(challenge, ORIGIN, RP_ID, &key.cose());
        let (status, added) = as_bearer(
            &base_url(),
            "POST",
            "/api/v1/passkeys/register",
            access,
            Some(body),
        )
        .await;
        assert_eq!(status, 201, "{added}");

        let home_stack = if home == "eu" { eu() } else { us() };
        let away_before = pooled_queries_at(away.pgbouncer_port).await;
        let options = c
            .post("/api/v1/passkeys/login/options", serde_json::json!({}))
            .await;
        let challenge = options.body["challenge"].as_str().unwrap();
        let assertion = key.assertion(challenge, ORIGIN, RP_ID, 1, &handle);
        let signed_in = c.post("/api/v1/passkeys/login", assertion.body()).await;
        assert_eq!(signed_in.status, 200, "{:?}", signed_in.body);
        assert_eq!(signed_in.body["user"]["id"], user);
        assert_eq!(
            claims(signed_in.body["access_token"].as_str().unwrap())["rgn"],
            home
        );
        let refresh_token = signed_in.body["refresh_token"].as_str().unwrap();
        assert!(
            refresh_token.starts_with(&format!("{home}.")),
            "{refresh_token}"
        );
        tokio::time::sleep(Duration::from_millis(500)).await;
        let away_queries = pooled_queries_at(away.pgbouncer_port).await - away_before;
        assert_eq!(
            away_queries, 0,
            "a {home} passkey reached the other region's pooler"
        );
        assert!(rows_of(&home_stack.database_url(), &phone).await >= 2);
    }
}
