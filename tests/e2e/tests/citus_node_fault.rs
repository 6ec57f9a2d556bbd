//! A Citus worker node stopped under load (citus tier only: `--ignored`, E2E_STACK=citus).
//! Requests of users whose shards live on the stopped node answer 503 within 2 s; users on the
//! other node keep being served; everyone is served again once the node is back. The load mixes
//! a router read (the profile) and a delegated function call (revoking a session, which
//! `account_revoke_session` runs on the user's worker).

use e2e::api::{random_phone, Client};
use e2e::webhook::receiver;
use e2e::{base_url, stack};
use std::collections::BTreeMap;
use std::time::{Duration, Instant};
use tokio_postgres::types::Type;
use xtask::citus::Cluster;

/// A logged-in user: their id and access token.
struct User {
    id: String,
    token: String,
}

async fn log_in(c: &Client) -> User {
    let phone = random_phone();
    let sent = c.send_otp(&phone, None).await;
    assert_eq!(sent.status, 200, "{:?}", sent.body);
    let session = sent.body["session_id"].as_str().unwrap().to_owned();
    let login = c.login(&phone, &receiver().latest(&phone), &session).await;
    assert_eq!(login.status, 200, "{:?}", login.body);
    User {
        id: login.body["user"]["id"].as_str().unwrap().to_owned(),
        token: login.body["access_token"].as_str().unwrap().to_owned(),
    }
}

/// The port of the worker node that holds a user's shards.
async fn node_of(coordinator: &tokio_postgres::Client, user_id: &str) -> u16 {
    let row = coordinator
        .query_typed(
            "SELECT n.nodeport FROM pg_dist_placement p JOIN pg_dist_node n USING (groupid) \
             WHERE p.shardid = get_shard_id_for_distribution_column('users', $1::uuid)",
            &[(&user_id, Type::TEXT)],
        )
        .await
        .unwrap();
    row[0].get::<_, i32>(0) as u16
}

/// One bearer request: its status and how long it took.
async fn timed(request: reqwest::RequestBuilder, token: &str) -> (u16, Duration) {
    let started = Instant::now();
    let status = request
        .bearer_auth(token)
        .timeout(Duration::from_secs(10))
        .send()
        .await
        .map_or(0, |r| r.status().as_u16());
    (status, started.elapsed())
}

/// The user's profile: a router read on the user's node.
async fn profile_of(http: &reqwest::Client, token: &str) -> (u16, Duration) {
    let url = format!("{}/api/v1/users/profile", base_url());
    timed(http.get(url), token).await
}

/// Revoking a session the user does not have: a delegated call that answers 404 when the
/// user's node is up.
async fn revoke_of(http: &reqwest::Client, token: &str) -> (u16, Duration) {
    let url = format!(
        "{}/api/v1/auth/sessions/no-such-session-0123456789",
        base_url()
    );
    timed(http.delete(url), token).await
}

#[tokio::test]
#[ignore = "needs the citus tier's cluster"]
async fn a_stopped_worker_node_fails_only_its_users_fast_and_they_recover() {
    assert_eq!(std::env::var("E2E_STACK").as_deref(), Ok("citus"));
    let (coordinator, connection) =
        tokio_postgres::connect(&stack().database_url(), tokio_postgres::NoTls)
            .await
            .unwrap();
    tokio::spawn(connection);
    let c = Client::new(&base_url());
    let mut by_node: BTreeMap<u16, Vec<User>> = BTreeMap::new();
    while by_node.len() < 2 || by_node.values().any(|users| users.len() < 3) {
        let user = log_in(&c).await;
        by_node
            .entry(node_of(&coordinator, &user.id).await)
            .or_default()
            .push(user);
        assert!(
            by_node.values().map(Vec::len).sum::<usize>() < 40,
            "users spread over both nodes"
        );
    }
    let cluster = Cluster { layout: stack() };
    let stopped = *by_node.keys().next().unwrap();
    let node = usize::from(stopped - cluster.port(0));
    cluster.set_node_running(node, false).unwrap();

    // A stream of profile reads and session revocations from every user for five seconds.
    let http = reqwest::Client::new();
    let until = Instant::now() + Duration::from_secs(5);
    let (mut down, mut up, mut revokes_down, mut revokes_up) = (vec![], vec![], vec![], vec![]);
    while Instant::now() < until {
        for (port, users) in &by_node {
            for user in users {
                let read = profile_of(&http, &user.token).await;
                let revoke = revoke_of(&http, &user.token).await;
                if *port == stopped {
                    down.push(read);
                    revokes_down.push(revoke);
                } else {
                    up.push(read);
                    revokes_up.push(revoke);
                }
            }
        }
    }
    cluster.set_node_running(node, true).unwrap();
    let slowest = down
        .iter()
        .chain(&revokes_down)
        .map(|(_, t)| *t)
        .max()
        .unwrap();
    println!(
        "node {stopped} stopped: {} reads and {} revocations of its users, slowest {slowest:?}; \
         {} reads and {} revocations of the others",
        down.len(),
        revokes_down.len(),
        up.len(),
        revokes_up.len()
    );
    assert!(
        down.iter()
            .chain(&revokes_down)
            .all(|(status, t)| *status == 503 && *t < Duration::from_secs(2)),
        "the stopped node's users get 503 within 2 s: {down:?} {revokes_down:?}"
    );
    assert!(
        up.iter().all(|(status, _)| *status == 200),
        "the other node's users are served: {up:?}"
    );
    assert!(
        revokes_up.iter().all(|(status, _)| *status == 404),
        "the other node's delegated calls are served: {revokes_up:?}"
    );

    // Everyone is served again once the node is back.
    let deadline = Instant::now() + Duration::from_secs(20);
    for user in by_node.values().flatten() {
        loop {
            let (status, _) = profile_of(&http, &user.token).await;
            if status == 200 {
                break;
            }
            assert!(
                Instant::now() < deadline,
                "{} is not served after the node returned",
                user.id
            );
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }
}
