//! Passkeys over HTTP (issue 30), with an authenticator in software (`e2e::passkey`): a user
//! who logged in by code registers one, signs in with it and no code, lists and removes it;
//! and every response an attacker could send is refused with its stable code. The real
//! browser's flow is `browser_passkeys.rs`.

use e2e::api::{as_bearer, random_phone, Client};
use e2e::costs::{pooled_queries, pooled_queries_since, settled_gateway_requests};
use e2e::dpop::{current_nonce, send, DpopKey};
use e2e::jwt::claims_of;
use e2e::passkey::{self, Passkey, ORIGIN, RP_ID};
use e2e::webhook::receiver;
use e2e::{base_url, database, stack};
use serde_json::{json, Value};

fn text<'a>(body: &'a Value, field: &str) -> &'a str {
    body[field].as_str().unwrap()
}

/// A user logged in by code: the login body and the number.
async fn logged_in() -> (Value, String) {
    let phone = random_phone();
    (Client::new(&base_url()).logged_in(&phone).await, phone)
}

/// Register options for the bearer: the challenge and the user handle.
async fn register_options(access: &str) -> (String, Vec<u8>) {
    let (status, options) = as_bearer(
        &base_url(),
        "POST",
        "/api/v1/passkeys/register/options",
        access,
        None,
    )
    .await;
    assert_eq!(status, 200, "{options}");
    let handle = passkey::b64_decode(text(&options["user"], "id"));
    (text(&options, "challenge").to_owned(), handle)
}

async fn register(access: &str, body: Value) -> (u16, Value) {
    as_bearer(
        &base_url(),
        "POST",
        "/api/v1/passkeys/register",
        access,
        Some(body),
    )
    .await
}

/// Registers `key` for the bearer; the user handle the options named.
async fn enrol(access: &str, key: &Passkey) -> Vec<u8> {
    let (challenge, handle) = register_options(access).await;
    let (status, body) = register(
        access,
        key.registration(&challenge, ORIGIN, RP_ID, &key.cose()),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    handle
}

async fn login_challenge() -> String {
    let reply = Client::new(&base_url())
        .post("/api/v1/passkeys/login/options", json!({}))
        .await;
    assert_eq!(reply.status, 200, "{:?}", reply.body);
    assert_eq!(reply.body["rpId"], RP_ID);
    text(&reply.body, "challenge").to_owned()
}

async fn sign_in(body: Value) -> (u16, Value) {
    let reply = Client::new(&base_url())
        .post("/api/v1/passkeys/login", body)
        .await;
    (reply.status, reply.body)
}

#[tokio::test]
async fn a_user_registers_a_passkey_signs_in_with_it_and_no_code_then_removes_it() {
    let (login, phone) = logged_in().await;
    let access = text(&login, "access_token");
    let key = Passkey::new();
    let (challenge, handle) = register_options(access).await;
    assert_eq!(
        handle,
        text(&login["user"], "id").as_bytes(),
        "the handle is the user id"
    );
    let (status, added) = register(
        access,
        key.registration(&challenge, ORIGIN, RP_ID, &key.cose()),
    )
    .await;
    assert_eq!(status, 201, "{added}");
    assert_eq!(added["passkey"]["id"], passkey::b64(&key.id));
    let (status, listed) = as_bearer(&base_url(), "GET", "/api/v1/passkeys", access, None).await;
    assert_eq!(
        (status, listed["passkeys"].as_array().unwrap().len()),
        (200, 1)
    );

    let codes_sent = receiver().count(&phone);
    let assertion = key.assertion(&login_challenge().await, ORIGIN, RP_ID, 1, &handle);
    let (status, signed_in) = sign_in(assertion.body()).await;
    assert_eq!(status, 200, "{signed_in}");
    assert_eq!(
        signed_in["user"], login["user"],
        "the same account, as a phone login answers"
    );
    assert_eq!(signed_in["is_new_user"], false);
    assert_ne!(
        signed_in["session_id"], login["session_id"],
        "a session of its own"
    );
    assert_eq!(receiver().count(&phone), codes_sent, "no code was sent");
    let new_access = text(&signed_in, "access_token");
    let (status, _) = as_bearer(
        &base_url(),
        "GET",
        "/api/v1/users/profile",
        new_access,
        None,
    )
    .await;
    assert_eq!(status, 200);
    let refreshed = Client::new(&base_url())
        .post(
            "/api/v1/auth/refresh",
            json!({"refresh_token": text(&signed_in, "refresh_token")}),
        )
        .await;
    assert_eq!(refreshed.status, 200, "{:?}", refreshed.body);
    let (_, listed) = as_bearer(&base_url(), "GET", "/api/v1/passkeys", access, None).await;
    assert!(
        listed["passkeys"][0]["last_used_at"].is_string(),
        "{listed}"
    );

    let path = format!("/api/v1/passkeys/{}", passkey::b64(&key.id));
    let (status, _) = as_bearer(&base_url(), "DELETE", &path, access, None).await;
    assert_eq!(status, 200);
    let (status, again) = as_bearer(&base_url(), "DELETE", &path, access, None).await;
    assert_eq!((status, &again["code"]), (404, &json!("NOT_FOUND")));
    let removed = key.assertion(&login_challenge().await, ORIGIN, RP_ID, 2, &handle);
    let (status, refused) = sign_in(removed.body()).await;
    assert_eq!(
        (status, &refused["code"]),
        (401, &json!("PASSKEY_NOT_RECOGNIZED"))
    );
}

/// Each attack on a sign-in, refused with its code; the genuine assertion still signs in after
/// all of them (no refusal spent its challenge), and only once.
#[tokio::test]
async fn every_forged_replayed_or_misdirected_sign_in_is_refused_with_its_code() {
    let (login, _) = logged_in().await;
    let key = Passkey::new();
    let handle = enrol(text(&login, "access_token"), &key).await;
    let (other_login, _) = logged_in().await;
    let other_handle = enrol(text(&other_login, "access_token"), &Passkey::new()).await;

    let challenge = login_challenge().await;
    let genuine = key.assertion(&challenge, ORIGIN, RP_ID, 5, &handle);
    let mut tampered = genuine.clone();
    tampered.signature = key.sign(b"other authenticator data", &genuine.client_data);
    let mut stranger = genuine.clone();
    stranger.signature = Passkey::new().sign(&genuine.auth_data, &genuine.client_data);
    let mut borrowed = genuine.clone();
    borrowed.user_handle = other_handle;
    let mut no_handle = genuine.body();
    no_handle["credential"]["response"]["userHandle"] = json!(null);
    let forged_challenge = passkey::b64(&[7u8; 40]);
    let cases = [
        (
            "a tampered signature",
            tampered.body(),
            401,
            "PASSKEY_NOT_RECOGNIZED",
        ),
        (
            "another key's signature",
            stranger.body(),
            401,
            "PASSKEY_NOT_RECOGNIZED",
        ),
        (
            "another user's handle",
            borrowed.body(),
            401,
            "PASSKEY_NOT_RECOGNIZED",
        ),
        (
            "a phishing origin",
            key.assertion(&challenge, "http://localhost.evil", RP_ID, 5, &handle)
                .body(),
            400,
            "PASSKEY_ORIGIN_MISMATCH",
        ),
        (
            "another RP id",
            key.assertion(&challenge, ORIGIN, "evil.example", 5, &handle)
                .body(),
            400,
            "PASSKEY_ORIGIN_MISMATCH",
        ),
        (
            "a made-up challenge",
            key.assertion(&forged_challenge, ORIGIN, RP_ID, 5, &handle)
                .body(),
            400,
            "PASSKEY_CHALLENGE_INVALID",
        ),
        ("no user handle", no_handle, 400, "INVALID_PASSKEY_RESPONSE"),
    ];
    for (what, body, status, code) in cases {
        let (got, refused) = sign_in(body).await;
        assert_eq!(
            (got, refused["code"].as_str().unwrap_or("")),
            (status, code),
            "{what}: {refused}"
        );
    }
    let (status, body) = sign_in(genuine.body()).await;
    assert_eq!(
        status, 200,
        "the genuine assertion, after every refusal: {body}"
    );
    let (status, replayed) = sign_in(genuine.body()).await;
    assert_eq!(
        (status, &replayed["code"]),
        (400, &json!("PASSKEY_CHALLENGE_INVALID")),
        "a replay"
    );

    // A cloned authenticator: a fresh challenge, a count that went back. Refused, and audited.
    let cloned = key.assertion(&login_challenge().await, ORIGIN, RP_ID, 3, &handle);
    let (status, refused) = sign_in(cloned.body()).await;
    assert_eq!(
        (status, &refused["code"]),
        (401, &json!("PASSKEY_SIGN_COUNT_ROLLBACK"))
    );
    let db = database(&stack().database_url()).await;
    let user = text(&login["user"], "id");
    let audited: i64 = db
        .query_one(
            "SELECT count(*) FROM audit_events WHERE user_id = $1::text::uuid AND event = 'passkey_rollback'",
            &[&user],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(audited, 1);
}

/// Each attack on a registration, refused with its code; none takes the challenge.
#[tokio::test]
async fn a_registration_with_a_used_challenge_another_alg_or_broken_cbor_is_refused() {
    let (login, _) = logged_in().await;
    let access = text(&login, "access_token");
    let key = Passkey::new();
    let (challenge, _) = register_options(access).await;
    let es384 = passkey::cose_ec2(-35, 2, &[1; 48], &[2; 48]);
    let client = passkey::client_data("webauthn.create", &challenge, ORIGIN);
    let broken = passkey::registration_body(&key.id, &client, b"\xa3\x63fmt\x64no");
    let (someone_else, _) = logged_in().await;
    let (theirs, _) = register_options(text(&someone_else, "access_token")).await;
    let cases = [
        (
            "an alg not offered",
            key.registration(&challenge, ORIGIN, RP_ID, &es384),
            400,
            "INVALID_PASSKEY_RESPONSE",
        ),
        ("malformed CBOR", broken, 400, "INVALID_PASSKEY_RESPONSE"),
        (
            "a phishing origin",
            key.registration(&challenge, "https://evil.example", RP_ID, &key.cose()),
            400,
            "PASSKEY_ORIGIN_MISMATCH",
        ),
        (
            "another RP id",
            key.registration(&challenge, ORIGIN, "evil.example", &key.cose()),
            400,
            "PASSKEY_ORIGIN_MISMATCH",
        ),
        (
            "another user's challenge",
            key.registration(&theirs, ORIGIN, RP_ID, &key.cose()),
            400,
            "PASSKEY_CHALLENGE_INVALID",
        ),
    ];
    for (what, body, status, code) in cases {
        let (got, refused) = register(access, body).await;
        assert_eq!(
            (got, refused["code"].as_str().unwrap_or("")),
            (status, code),
            "{what}: {refused}"
        );
    }
    let (status, body) = register(
        access,
        key.registration(&challenge, ORIGIN, RP_ID, &key.cose()),
    )
    .await;
    assert_eq!(status, 201, "after every refusal: {body}");
    let second = Passkey::new();
    let (status, used) = register(
        access,
        second.registration(&challenge, ORIGIN, RP_ID, &second.cose()),
    )
    .await;
    assert_eq!(
        (status, &used["code"]),
        (400, &json!("PASSKEY_CHALLENGE_INVALID")),
        "used twice"
    );
    let (challenge, _) = register_options(access).await;
    let (status, again) = register(
        access,
        key.registration(&challenge, ORIGIN, RP_ID, &key.cose()),
    )
    .await;
    assert_eq!(
        (status, &again["code"]),
        (409, &json!("PASSKEY_ALREADY_REGISTERED"))
    );
}

/// Deleting the account takes its passkeys with it: one cannot bring the account back.
#[tokio::test]
async fn a_deleted_accounts_passkey_signs_no_one_in() {
    let (login, _) = logged_in().await;
    let access = text(&login, "access_token");
    let key = Passkey::new();
    let handle = enrol(access, &key).await;
    let (status, _) = as_bearer(&base_url(), "DELETE", "/api/v1/users/me", access, None).await;
    assert_eq!(status, 200);
    let assertion = key.assertion(&login_challenge().await, ORIGIN, RP_ID, 1, &handle);
    let (status, refused) = sign_in(assertion.body()).await;
    assert_eq!(
        (status, &refused["code"]),
        (401, &json!("PASSKEY_NOT_RECOGNIZED"))
    );
}

/// The association files say what the worker's settings say (`PASSKEY_ANDROID_APPS`,
/// `PASSKEY_APPLE_APP_IDS`), in the shapes Android and iOS read.
#[tokio::test]
async fn the_app_association_files_name_the_configured_apps() {
    let vars = e2e::worker_vars();
    let (package, fingerprint) = vars["PASSKEY_ANDROID_APPS"].split_once('=').unwrap();
    let (status, links, _) = e2e::get("/.well-known/assetlinks.json").await;
    assert_eq!(status, 200);
    assert_eq!(links[0]["target"]["namespace"], "android_app");
    assert_eq!(links[0]["target"]["package_name"], package);
    assert_eq!(
        links[0]["target"]["sha256_cert_fingerprints"],
        json!([fingerprint])
    );
    assert!(links[0]["relation"]
        .as_array()
        .unwrap()
        .contains(&json!("delegate_permission/common.get_login_creds")));
    let (status, apple, _) = e2e::get("/.well-known/apple-app-site-association").await;
    assert_eq!(status, 200);
    assert_eq!(
        apple["webcredentials"]["apps"],
        json!([vars["PASSKEY_APPLE_APP_IDS"]])
    );
}

/// What a passkey costs the backends: its options nothing, its sign-in one gateway call (the
/// challenge taken once) and two statements (the key, then the sign-in).
#[tokio::test]
async fn a_passkey_sign_in_is_one_gateway_call_and_two_statements_and_its_options_are_free() {
    let (login, _) = logged_in().await;
    let key = Passkey::new();
    let handle = enrol(text(&login, "access_token"), &key).await;
    let gateway = settled_gateway_requests().await;
    let challenge = login_challenge().await;
    assert_eq!(
        settled_gateway_requests().await,
        gateway,
        "options: no gateway call"
    );
    let queries = pooled_queries().await;
    let (status, body) = sign_in(key.assertion(&challenge, ORIGIN, RP_ID, 1, &handle).body()).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        settled_gateway_requests().await - gateway,
        1,
        "gateway calls"
    );
    assert_eq!(pooled_queries_since(queries).await, 2, "statements");
}

/// A passkey sign-in with a DPoP proof, as a mobile app whose key is in its secure hardware
/// makes it: the pair is bound to that key, the access token is worthless as a bearer, and the
/// sign-in is still one gateway call, since its challenge, taken once, stands in for the
/// proof's `jti` (a replay of both is refused on the spent challenge).
#[tokio::test]
async fn a_passkey_sign_in_with_a_dpop_proof_binds_the_pair_for_one_gateway_call() {
    let (login, _) = logged_in().await;
    let key = Passkey::new();
    let handle = enrol(text(&login, "access_token"), &key).await;
    let device = DpopKey::random();
    let nonce = current_nonce(&device).await;
    let proof = device.proof_of(&DpopKey::claims(
        "POST",
        &format!("{}/api/v1/passkeys/login", base_url()),
        None,
        Some(&nonce),
    ));
    let assertion = key.assertion(&login_challenge().await, ORIGIN, RP_ID, 1, &handle);
    let gateway = settled_gateway_requests().await;
    let signed_in = send(
        "POST",
        "/api/v1/passkeys/login",
        &[("dpop", &proof)],
        Some(assertion.body()),
    )
    .await;
    assert_eq!(signed_in.status, 200, "{signed_in:?}");
    assert_eq!(
        settled_gateway_requests().await - gateway,
        1,
        "gateway calls: the challenge only"
    );
    assert_eq!(signed_in.body["token_type"], "DPoP");
    let access = text(&signed_in.body, "access_token");
    assert_eq!(claims_of(access)["cnf"]["jkt"], json!(device.jkt()));
    let (status, refused) =
        as_bearer(&base_url(), "GET", "/api/v1/users/profile", access, None).await;
    assert_eq!(status, 401, "a bound token as a bearer: {refused}");
    let replayed = send(
        "POST",
        "/api/v1/passkeys/login",
        &[("dpop", &proof)],
        Some(assertion.body()),
    )
    .await;
    assert_eq!(
        (replayed.status, replayed.code()),
        (400, "PASSKEY_CHALLENGE_INVALID"),
        "{replayed:?}"
    );
}

/// The three algorithms the options offer, each verified by the runtime's WebCrypto: a passkey
/// of each registers and signs in.
#[tokio::test]
async fn an_ed25519_and_an_rs256_passkey_sign_in_as_an_es256_one_does() {
    for (name, key) in [
        ("ES256", Passkey::new()),
        ("Ed25519", Passkey::ed25519()),
        ("RS256", Passkey::rs256()),
    ] {
        let (login, _) = logged_in().await;
        let handle = enrol(text(&login, "access_token"), &key).await;
        let assertion = key.assertion(&login_challenge().await, ORIGIN, RP_ID, 1, &handle);
        let (status, body) = sign_in(assertion.body()).await;
        assert_eq!(status, 200, "{name}: {body}");
        let mut forged = key.assertion(&login_challenge().await, ORIGIN, RP_ID, 2, &handle);
        forged.signature = key.sign(b"other data", &forged.client_data);
        let (status, refused) = sign_in(forged.body()).await;
        assert_eq!(
            (status, &refused["code"]),
            (401, &json!("PASSKEY_NOT_RECOGNIZED")),
            "{name}"
        );
    }
}
