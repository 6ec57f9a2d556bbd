//! Refresh-token rotation with reuse detection, the grace window, and logout scopes, through
//! wrangler dev. Each rotation and each logout is one Postgres statement.

use e2e::api::{random_phone, Client, Reply};
use e2e::costs::{gateway_requests, pooled_queries, pooled_queries_since};
use e2e::{base_url, variants};
use serde_json::json;

async fn refresh(c: &Client, token: &str) -> Reply {
    c.post("/api/v1/auth/refresh", json!({"refresh_token": token}))
        .await
}

async fn logout(c: &Client, token: &str, scope: &str) -> Reply {
    c.post(
        "/api/v1/auth/logout",
        json!({"refresh_token": token, "scope": scope}),
    )
    .await
}

async fn profile_status(access_token: &str) -> u16 {
    reqwest::Client::new()
        .get(format!("{}/api/v1/users/profile", base_url()))
        .bearer_auth(access_token)
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

#[tokio::test]
async fn a_refresh_rotates_and_a_reused_token_revokes_the_whole_session() {
    let c = Client::new(&base_url());
    let first = c.logged_in(&random_phone()).await;
    let old = first["refresh_token"].as_str().unwrap();
    let rotated = refresh(&c, old).await;
    assert_eq!(rotated.status, 200, "{:?}", rotated.body);
    assert_eq!(rotated.body["message"], "Token refreshed successfully");
    assert_eq!(rotated.body["user"], first["user"]);
    assert!(rotated.body.get("is_new_user").is_none());
    let new = rotated.body["refresh_token"].as_str().unwrap();
    assert_ne!(new, old);
    assert_eq!(
        profile_status(rotated.body["access_token"].as_str().unwrap()).await,
        200
    );

    let reused = refresh(&c, old).await;
    assert_eq!(
        (reused.status, reused.code()),
        (403, "REFRESH_TOKEN_REUSED")
    );
    let after = refresh(&c, new).await;
    assert_eq!(
        (after.status, after.code()),
        (401, "INVALID_REFRESH_TOKEN"),
        "the session is revoked"
    );
    assert_eq!(
        profile_status(rotated.body["access_token"].as_str().unwrap()).await,
        401
    );
}

/// A refresh never extends a session: the new refresh token ends when the session does.
#[tokio::test]
async fn a_refresh_never_moves_the_sessions_end() {
    let c = Client::new(&base_url());
    let first = c.logged_in(&random_phone()).await;
    let end = first["refresh_expires_at"].as_str().unwrap().to_owned();
    tokio::time::sleep(std::time::Duration::from_millis(1_100)).await;
    let rotated = refresh(&c, first["refresh_token"].as_str().unwrap()).await;
    assert_eq!(rotated.status, 200, "{:?}", rotated.body);
    assert_eq!(rotated.body["refresh_expires_at"], end.as_str());
}

/// Logging out with a token that was already rotated is a reuse, as refreshing with it is: the
/// session is revoked whatever the scope asked, the answer is 403, and cookies are cleared.
#[tokio::test]
async fn logout_with_a_rotated_token_is_a_reuse_that_revokes_the_session() {
    let c = Client::new(&base_url());
    let first = c.logged_in(&random_phone()).await;
    let old = first["refresh_token"].as_str().unwrap();
    let rotated = refresh(&c, old).await;
    assert_eq!(rotated.status, 200, "{:?}", rotated.body);
    let reused = logout(&c, old, "others").await;
    assert_eq!(
        (reused.status, reused.code()),
        (403, "REFRESH_TOKEN_REUSED"),
        "{:?}",
        reused.body
    );
    assert!(
        reused
            .set_cookie
            .as_deref()
            .is_some_and(|c| c.contains("Max-Age=0")),
        "cookies are cleared on every logout outcome: {:?}",
        reused.set_cookie
    );
    let new = rotated.body["refresh_token"].as_str().unwrap();
    let after = refresh(&c, new).await;
    assert_eq!(
        (after.status, after.code()),
        (401, "INVALID_REFRESH_TOKEN"),
        "the session is revoked"
    );
    assert_eq!(
        profile_status(rotated.body["access_token"].as_str().unwrap()).await,
        401
    );
}

#[tokio::test]
async fn twenty_concurrent_refreshes_of_one_token_succeed_once_and_revoke_the_session() {
    let c = Client::new(&base_url());
    let body = c.logged_in(&random_phone()).await;
    let token = body["refresh_token"].as_str().unwrap().to_owned();
    let tasks: Vec<_> = (0..20)
        .map(|_| {
            let (c, token) = (c.clone(), token.clone());
            tokio::spawn(async move { refresh(&c, &token).await })
        })
        .collect();
    let mut winners = Vec::new();
    let mut reused = 0;
    for task in tasks {
        let reply = task.await.unwrap();
        match (reply.status, reply.code()) {
            (200, _) => winners.push(reply.body["refresh_token"].as_str().unwrap().to_owned()),
            (403, "REFRESH_TOKEN_REUSED") => reused += 1,
            (401, "INVALID_REFRESH_TOKEN") => {}
            other => panic!("unexpected answer {other:?}"),
        }
    }
    assert_eq!(winners.len(), 1, "exactly one refresh succeeds");
    assert!(reused >= 1, "the losers are reuse");
    let after = refresh(&c, &winners[0]).await;
    assert_eq!(
        (after.status, after.code()),
        (401, "INVALID_REFRESH_TOKEN"),
        "the session is revoked"
    );
}

#[tokio::test]
async fn within_the_grace_window_a_retry_of_a_used_token_succeeds() {
    let worker = variants::start("grace", &[("REFRESH_GRACE_SECONDS", "10")]);
    let c = Client::new(&worker.instance.url());
    let body = c.logged_in(&random_phone()).await;
    let token = body["refresh_token"].as_str().unwrap();
    let first = refresh(&c, token).await;
    assert_eq!(first.status, 200);
    // The client lost the first answer and tries again with the same token.
    let retry = refresh(&c, token).await;
    assert_eq!(retry.status, 200, "{:?}", retry.body);
    assert_ne!(retry.body["refresh_token"], first.body["refresh_token"]);
    // One live chain: the first answer's token is revoked, and the token retries only once.
    let forked = refresh(&c, first.body["refresh_token"].as_str().unwrap()).await;
    assert_eq!(
        (forked.status, forked.code()),
        (401, "INVALID_REFRESH_TOKEN")
    );
    let again = refresh(&c, token).await;
    assert_eq!((again.status, again.code()), (401, "INVALID_REFRESH_TOKEN"));
    assert_eq!(
        refresh(&c, retry.body["refresh_token"].as_str().unwrap())
            .await
            .status,
        200
    );
}

#[tokio::test]
async fn refresh_refuses_bad_tokens_and_another_sessions_id() {
    let c = Client::new(&base_url());
    let body = c.logged_in(&random_phone()).await;
    let token = body["refresh_token"].as_str().unwrap();
    let mismatch = c
        .post(
            "/api/v1/auth/refresh",
            json!({"refresh_token": token, "session_id": "another-session-0123456789"}),
        )
        .await;
    assert_eq!(
        (mismatch.status, mismatch.code()),
        (401, "INVALID_REFRESH_TOKEN")
    );
    let huge = "A".repeat(100_000);
    for (bad, status, code) in [
        (json!({}), 400, "INVALID_REQUEST"),
        (json!({"refresh_token": ""}), 400, "INVALID_REQUEST"),
        (json!({"refresh_token": 42}), 400, "INVALID_REQUEST"),
        (
            json!({"refresh_token": "garbage"}),
            401,
            "INVALID_REFRESH_TOKEN",
        ),
        (
            json!({"refresh_token": &token[..40]}),
            401,
            "INVALID_REFRESH_TOKEN",
        ),
        // Well formed, so it reaches the database: a token of nobody.
        (
            json!({"refresh_token": "A".repeat(64)}),
            401,
            "INVALID_REFRESH_TOKEN",
        ),
        // A real token with its user id edited: the hash no longer matches anything.
        (
            json!({"refresh_token": format!(
                "{}{}",
                if token.starts_with('B') { 'C' } else { 'B' },
                &token[1..]
            )}),
            401,
            "INVALID_REFRESH_TOKEN",
        ),
        (
            json!({"refresh_token": token, "session_id": "bad id"}),
            400,
            "INVALID_REQUEST",
        ),
        (json!({"refresh_token": huge}), 413, "PAYLOAD_TOO_LARGE"),
    ] {
        let r = c.post("/api/v1/auth/refresh", bad.clone()).await;
        assert_eq!(
            (r.status, r.code()),
            (status, code),
            "{}",
            &bad.to_string()[..bad.to_string().len().min(60)]
        );
    }
    // None of that harmed the real token.
    assert_eq!(refresh(&c, token).await.status, 200);
}

#[tokio::test]
async fn logout_ends_this_session_other_sessions_or_all_of_them() {
    let worker = variants::start(
        "logout",
        &[
            ("OTP_RESEND_COOLDOWN_SECONDS", "0"),
            ("OTP_SENDS_PER_WINDOW", "100"),
        ],
    );
    let c = Client::new(&worker.instance.url());
    let phone = random_phone();
    let a = c.logged_in(&phone).await["refresh_token"]
        .as_str()
        .unwrap()
        .to_owned();
    let b = c.logged_in(&phone).await["refresh_token"]
        .as_str()
        .unwrap()
        .to_owned();
    let third = c.logged_in(&phone).await["refresh_token"]
        .as_str()
        .unwrap()
        .to_owned();

    assert_eq!(logout(&c, &a, "local").await.status, 200);
    assert_eq!(refresh(&c, &a).await.code(), "INVALID_REFRESH_TOKEN");
    let b2 = refresh(&c, &b).await;
    assert_eq!(
        b2.status, 200,
        "other sessions live on after a local logout"
    );
    let b2 = b2.body["refresh_token"].as_str().unwrap().to_owned();

    let others = logout(&c, &b2, "others").await;
    assert_eq!(others.status, 200);
    assert!(others.set_cookie.is_some(), "cookies are cleared");
    assert_eq!(refresh(&c, &third).await.code(), "INVALID_REFRESH_TOKEN");
    let b3 = refresh(&c, &b2).await;
    assert_eq!(b3.status, 200, "the caller's own session survives 'others'");
    let b3 = b3.body["refresh_token"].as_str().unwrap().to_owned();

    let d = c.logged_in(&phone).await["refresh_token"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(logout(&c, &b3, "global").await.status, 200);
    assert_eq!(refresh(&c, &b3).await.code(), "INVALID_REFRESH_TOKEN");
    assert_eq!(refresh(&c, &d).await.code(), "INVALID_REFRESH_TOKEN");

    let again = logout(&c, &b3, "local").await;
    assert_eq!((again.status, again.code()), (401, "INVALID_REFRESH_TOKEN"));
    let bad_scope = logout(&c, &d, "everything").await;
    assert_eq!(
        (bad_scope.status, bad_scope.code()),
        (400, "INVALID_REQUEST")
    );
}

#[tokio::test]
async fn refresh_and_logout_each_cost_one_postgres_statement_and_no_redis_call() {
    let c = Client::new(&base_url());
    let body = c.logged_in(&random_phone()).await;
    let token = body["refresh_token"].as_str().unwrap();
    let gateway_before = gateway_requests();
    let before = pooled_queries().await;
    let rotated = refresh(&c, token).await;
    assert_eq!(rotated.status, 200);
    assert_eq!(
        pooled_queries_since(before).await,
        1,
        "refresh: Postgres statements"
    );
    let before = pooled_queries().await;
    assert_eq!(
        logout(&c, rotated.body["refresh_token"].as_str().unwrap(), "local")
            .await
            .status,
        200
    );
    assert_eq!(
        pooled_queries_since(before).await,
        1,
        "logout: Postgres statements"
    );
    assert_eq!(gateway_requests(), gateway_before, "no Redis calls");
}

#[tokio::test]
async fn a_session_left_idle_past_its_limit_ends() {
    let worker = variants::start("idle", &[("SESSION_IDLE_SECONDS", "2")]);
    let c = Client::new(&worker.instance.url());
    let body = c.logged_in(&random_phone()).await;
    let active = refresh(&c, body["refresh_token"].as_str().unwrap()).await;
    assert_eq!(active.status, 200, "a session in use lives on");
    tokio::time::sleep(std::time::Duration::from_millis(3500)).await;
    let idle = refresh(&c, active.body["refresh_token"].as_str().unwrap()).await;
    assert_eq!(
        (idle.status, idle.code()),
        (401, "INVALID_REFRESH_TOKEN"),
        "the idle session is over"
    );
    let (status, _) = {
        let r = reqwest::Client::new()
            .get(format!("{}/api/v1/users/profile", worker.instance.url()))
            .bearer_auth(active.body["access_token"].as_str().unwrap())
            .send()
            .await
            .unwrap();
        (r.status().as_u16(), ())
    };
    assert_eq!(status, 401);
}
