//! The OAuth endpoints as the APIs behind the service use them: the metadata, revocation of a
//! refresh or an access token (and the attacks on it: an old token found in a log, another
//! client, a form of the wrong kind), and introspection for a resource server (active only while
//! the session lives, in one statement; nobody else may ask).

use e2e::api::{as_bearer, random_phone, Client};
use e2e::costs::{pooled_queries, pooled_queries_since};
use e2e::jwt::{claims_of, sign};
use e2e::{base_url, stack, worker_vars};
use serde_json::{json, Value};

/// A form POST to the worker: status, `Cache-Control`, `WWW-Authenticate` and the JSON body,
/// checked against the contract.
struct Answer {
    status: u16,
    cache: Option<String>,
    challenge: Option<String>,
    body: Value,
}

async fn post_form(path: &str, form: &str, content_type: &str, bearer: Option<&str>) -> Answer {
    let mut request = reqwest::Client::new()
        .post(format!("{}{path}", base_url()))
        .header("content-type", content_type)
        .body(form.to_owned());
    if let Some(token) = bearer {
        request = request.header("authorization", format!("Bearer {token}"));
    }
    let response = request.send().await.unwrap();
    let header = |name: &str| e2e::api::header_of(&response, name);
    let (status, cache, challenge) = (
        response.status().as_u16(),
        header("cache-control"),
        header("www-authenticate"),
    );
    let body = response.json().await.unwrap_or(Value::Null);
    e2e::openapi::check("POST", path, status, &body);
    Answer {
        status,
        cache,
        challenge,
        body,
    }
}

const FORM: &str = "application/x-www-form-urlencoded";

fn client_id() -> String {
    worker_vars()
        .get("JWT_CLIENT_ID")
        .cloned()
        .unwrap_or_else(|| "phone-auth".to_owned())
}

async fn revoke(token: &str) -> Answer {
    let form = format!("token={token}&client_id={}", client_id());
    post_form("/oauth/revoke", &form, FORM, None).await
}

async fn introspect(token: &str) -> Answer {
    let bearer = worker_vars()["INTROSPECTION_TOKENS"].clone();
    post_form(
        "/oauth/introspect",
        &format!("token={token}"),
        FORM,
        Some(&bearer),
    )
    .await
}

async fn logged_in() -> Value {
    Client::new(&base_url()).logged_in(&random_phone()).await
}

fn text<'a>(body: &'a Value, field: &str) -> &'a str {
    body[field].as_str().unwrap()
}

async fn profile(access: &str) -> u16 {
    as_bearer(&base_url(), "GET", "/api/v1/users/profile", access, None)
        .await
        .0
}

/// The access token `login` would carry had it been issued `age` seconds ago, signed with the
/// worker's key: a genuine token, expired when `age` passes its life.
fn issued_ago(login: &Value, age: i64) -> String {
    let vars = worker_vars();
    let mut claims = claims_of(text(login, "access_token"));
    let life = claims["exp"].as_i64().unwrap() - claims["iat"].as_i64().unwrap();
    claims["iat"] = json!(claims["iat"].as_i64().unwrap() - age);
    claims["exp"] = json!(claims["iat"].as_i64().unwrap() + life);
    let header = json!({"alg": "ES256", "typ": "at+jwt", "kid": vars["JWT_SIGNING_KID"]});
    sign(&vars["JWT_SIGNING_KEY"], &header, &claims)
}

#[tokio::test]
async fn the_metadata_names_the_issuer_and_the_endpoints_under_this_origin() {
    let response = reqwest::get(format!(
        "{}/.well-known/oauth-authorization-server",
        base_url()
    ))
    .await
    .unwrap();
    assert_eq!(response.status().as_u16(), 200);
    let doc: Value = response.json().await.unwrap();
    e2e::openapi::check("GET", "/.well-known/oauth-authorization-server", 200, &doc);
    let base = base_url();
    assert_eq!(doc["jwks_uri"], format!("{base}/.well-known/jwks.json"));
    assert_eq!(doc["revocation_endpoint"], format!("{base}/oauth/revoke"));
    assert_eq!(
        doc["introspection_endpoint"],
        format!("{base}/oauth/introspect")
    );
    let login = logged_in().await;
    assert_eq!(
        doc["issuer"],
        claims_of(text(&login, "access_token"))["iss"],
        "the issuer is the tokens' iss"
    );
}

#[tokio::test]
async fn a_revoked_refresh_or_access_token_ends_its_session_and_no_other() {
    let c = Client::new(&base_url());
    let (by_refresh, by_access, bystander) =
        (logged_in().await, logged_in().await, logged_in().await);

    let answer = revoke(text(&by_refresh, "refresh_token")).await;
    assert_eq!((answer.status, &answer.body), (200, &json!({})));
    assert_eq!(answer.cache.as_deref(), Some("no-store"));
    let refreshed = c
        .post(
            "/api/v1/auth/refresh",
            json!({"refresh_token": text(&by_refresh, "refresh_token")}),
        )
        .await;
    assert_eq!(refreshed.status, 401, "{:?}", refreshed.body);
    assert_eq!(profile(text(&by_refresh, "access_token")).await, 401);

    assert_eq!(profile(text(&by_access, "access_token")).await, 200);
    assert_eq!(revoke(text(&by_access, "access_token")).await.status, 200);
    assert_eq!(
        profile(text(&by_access, "access_token")).await,
        401,
        "access tokens are checked against live sessions: it stops at once"
    );
    let refreshed = c
        .post(
            "/api/v1/auth/refresh",
            json!({"refresh_token": text(&by_access, "refresh_token")}),
        )
        .await;
    assert_eq!(
        refreshed.status, 401,
        "the session's refresh token ends with it"
    );

    assert_eq!(profile(text(&bystander, "access_token")).await, 200);
    // Revoked again: still 200 (RFC 7009 §2.2).
    assert_eq!(revoke(text(&by_access, "access_token")).await.status, 200);
}

/// The attack on revocation itself: whoever finds an old access token of a user (in a log, a
/// crash report) must not be able to log that user out with it, and tokens of no session of
/// ours change nothing.
/// The token with its signature's first character changed, which always changes the signature's
/// bytes. This test once replaced the last character with `A` instead, which about one time in
/// four (an ES256 signature ends in `A`, `Q`, `g` or `w`) gave back the genuine token, and CI
/// failed on the genuine revocation that followed.
fn with_signature_altered(token: &str) -> String {
    let at = token.rfind('.').unwrap() + 1;
    let replacement = if token[at..].starts_with('A') {
        "B"
    } else {
        "A"
    };
    let forged = format!("{}{replacement}{}", &token[..at], &token[at + 1..]);
    assert_ne!(forged, token);
    forged
}

#[tokio::test]
async fn an_expired_forged_or_unknown_token_is_answered_200_and_ends_nothing() {
    let victim = logged_in().await;
    let expired = issued_ago(&victim, 3_600);
    let still_genuine = issued_ago(&victim, 10);
    assert_eq!(profile(&still_genuine).await, 200, "the control verifies");
    let forged = with_signature_altered(text(&victim, "access_token"));
    for token in [
        expired.as_str(),
        forged.as_str(),
        "not-a-token",
        "eu.0000000000000000000000000000000000000000000000000000000000000000",
    ] {
        let answer = revoke(token).await;
        assert_eq!((answer.status, &answer.body), (200, &json!({})), "{token}");
    }
    assert_eq!(
        profile(text(&victim, "access_token")).await,
        200,
        "the victim's session lives"
    );
}

#[tokio::test]
async fn revocation_names_its_client_and_takes_a_form_of_one_token() {
    let login = logged_in().await;
    let refresh = text(&login, "refresh_token");
    for form in [
        format!("token={refresh}"),
        format!("token={refresh}&client_id=another-app"),
    ] {
        let refused = post_form("/oauth/revoke", &form, FORM, None).await;
        assert_eq!(
            (refused.status, text(&refused.body, "error")),
            (401, "invalid_client"),
            "{form}"
        );
    }
    let repeated = format!("token={refresh}&token=other&client_id={}", client_id());
    let refused = post_form("/oauth/revoke", &repeated, FORM, None).await;
    assert_eq!(
        (refused.status, text(&refused.body, "error")),
        (400, "invalid_request")
    );
    let missing = post_form(
        "/oauth/revoke",
        &format!("client_id={}", client_id()),
        FORM,
        None,
    )
    .await;
    assert_eq!(
        (missing.status, text(&missing.body, "code")),
        (400, "INVALID_REQUEST")
    );
    let json_body = json!({"token": refresh, "client_id": client_id()}).to_string();
    let refused = post_form("/oauth/revoke", &json_body, "application/json", None).await;
    assert_eq!(
        (
            refused.status,
            text(&refused.body, "error"),
            text(&refused.body, "code")
        ),
        (415, "invalid_request", "UNSUPPORTED_MEDIA_TYPE")
    );
    // None of those revoked anything.
    assert_eq!(profile(text(&login, "access_token")).await, 200);
}

#[tokio::test]
async fn only_a_resource_server_may_introspect() {
    let login = logged_in().await;
    let access = text(&login, "access_token");
    let form = format!("token={access}");
    for bearer in [
        None,
        Some(access),
        Some("a-guess-at-the-introspection-token"),
    ] {
        let refused = post_form("/oauth/introspect", &form, FORM, bearer).await;
        assert_eq!(
            (refused.status, text(&refused.body, "error")),
            (401, "invalid_client"),
            "{bearer:?}"
        );
        assert_eq!(refused.challenge.as_deref(), Some("Bearer"));
    }
}

#[tokio::test]
async fn an_access_token_is_active_while_its_session_lives_checked_in_one_statement() {
    let login = logged_in().await;
    let access = text(&login, "access_token");
    let claims = claims_of(access);

    let before = pooled_queries().await;
    let active = introspect(access).await;
    assert_eq!(pooled_queries_since(before).await, 1, "one statement");
    assert_eq!(active.status, 200);
    let body = &active.body;
    assert_eq!(body["active"], true);
    for field in ["sub", "sid", "client_id", "exp", "iat", "iss", "aud", "jti"] {
        assert_eq!(body[field], claims[field], "{field}");
    }
    assert_eq!(body["token_type"], "Bearer");
    let max_age: i64 = active
        .cache
        .as_deref()
        .and_then(|c| c.strip_prefix("private, max-age="))
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("{:?}", active.cache));
    let life = claims["exp"].as_i64().unwrap() - claims["iat"].as_i64().unwrap();
    assert!(max_age > 0 && max_age <= life, "{max_age} of {life}");

    // Not an access token, or not a live one: inactive, and nothing cached.
    let expired = issued_ago(&login, 3_600);
    for token in [text(&login, "refresh_token"), expired.as_str(), "garbage"] {
        let inactive = introspect(token).await;
        assert_eq!(inactive.body, json!({"active": false}), "{token}");
        assert_eq!(inactive.cache.as_deref(), Some("no-store"));
    }

    assert_eq!(revoke(access).await.status, 200);
    assert_eq!(introspect(access).await.body, json!({"active": false}));
}

#[tokio::test]
async fn a_blocked_or_deleted_users_token_is_inactive_at_once() {
    let admin_phone = random_phone();
    let admin = Client::new(&base_url()).logged_in(&admin_phone).await;
    auth_ops::scope::set(&stack().database_url(), &admin_phone, "superadmin").unwrap();
    let admin_token = text(&admin, "access_token");
    let (blocked, deleted) = (logged_in().await, logged_in().await);
    for (user, method, suffix) in [(&blocked, "POST", "/block"), (&deleted, "DELETE", "")] {
        let access = text(user, "access_token");
        assert_eq!(introspect(access).await.body["active"], true);
        let path = format!(
            "/api/v1/users/{}{suffix}",
            user["user"]["id"].as_str().unwrap()
        );
        let (status, body) = as_bearer(&base_url(), method, &path, admin_token, None).await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(
            introspect(access).await.body,
            json!({"active": false}),
            "{method} {path}"
        );
    }
}
