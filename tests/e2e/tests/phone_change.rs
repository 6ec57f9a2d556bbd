//! A user moves their account to a new number over HTTP: the change code reads unlike a login
//! code and works for that change alone, the other sessions end, the old number is told (an
//! SMS with no code), the new number logs in to the account, the old number makes a new user,
//! and a number another account has is refused without saying whose.

use e2e::api::{as_bearer, random_phone, Client};
use e2e::webhook::receiver;
use e2e::{stack, variants};
use serde_json::{json, Value};

async fn logged_in(c: &Client, phone: &str) -> Value {
    let sent = c.send_otp(phone, None).await;
    let session = sent.body["session_id"].as_str().unwrap().to_owned();
    let login = c.login(phone, &receiver().latest(phone), &session).await;
    assert_eq!(login.status, 200, "{:?}", login.body);
    login.body
}

async fn post(base: &str, path: &str, token: &str, body: Value) -> (u16, Value) {
    as_bearer(base, "POST", path, token, Some(body)).await
}

async fn profile_of(base: &str, token: &str) -> (u16, Value) {
    as_bearer(base, "GET", "/api/v1/users/profile", token, None).await
}

/// Sends the caller a change code for `phone`: the code's session and the code.
async fn change_code(base: &str, token: &str, phone: &str) -> (String, String) {
    let path = "/api/v1/users/me/phone/send-otp";
    let (status, sent) = post(base, path, token, json!({"phone_number": phone})).await;
    assert_eq!(status, 200, "{sent}");
    let session = sent["session_id"].as_str().unwrap().to_owned();
    (session, receiver().latest(phone))
}

#[tokio::test]
async fn a_user_moves_to_a_new_number_with_a_code_good_for_that_alone() {
    let worker = variants::start(
        "phone-change",
        &[
            ("OTP_RESEND_COOLDOWN_SECONDS", "0"),
            ("OTP_SENDS_PER_WINDOW", "10"),
        ],
    );
    let base = worker.instance.url();
    let c = Client::new(&base);
    let (old, new, taken) = (random_phone(), random_phone(), random_phone());
    let first = logged_in(&c, &old).await;
    let second = logged_in(&c, &old).await;
    let other = logged_in(&c, &taken).await;
    let token = first["access_token"].as_str().unwrap();
    let user_id = first["user"]["id"].as_str().unwrap();

    // The change code cannot log in; another user cannot spend it; then it moves the account.
    let (session, code) = change_code(&base, token, &new).await;
    let (_, text) = receiver().latest_message(&new);
    assert!(
        text.starts_with("Your code to move your account to this number is"),
        "a change code reads unlike a login code: {text:?}"
    );
    let as_login = c.login(&new, &code, &session).await;
    assert_eq!(
        (as_login.status, as_login.body["code"].as_str()),
        (401, Some("INVALID_OTP"))
    );
    let confirm = json!({"phone_number": new, "otp": code, "session_id": session});
    let other_token = other["access_token"].as_str().unwrap();
    let (status, body) = post(
        &base,
        "/api/v1/users/me/phone",
        other_token,
        confirm.clone(),
    )
    .await;
    assert_eq!((status, body["code"].as_str()), (401, Some("INVALID_OTP")));
    let (status, moved) = post(&base, "/api/v1/users/me/phone", token, confirm).await;
    assert_eq!(status, 200, "{moved}");
    assert_eq!(
        (
            moved["user"]["id"].as_str(),
            moved["user"]["phone_number"].as_str()
        ),
        (Some(user_id), Some(new.as_str()))
    );
    let told = receiver().notices(&old, 1);
    assert_eq!(told.len(), 1, "the old number is told once: {told:?}");
    assert!(
        told[0].starts_with("Your account was moved to another number"),
        "{told:?}"
    );
    assert!(
        !told[0].contains(&code) && receiver().notices(&new, 0).is_empty(),
        "no code in the notice, and no notice to the new number"
    );

    // The caller's session stays, the others end (PHONE_CHANGE_SESSIONS defaults to revoke_others).
    assert_eq!(profile_of(&base, token).await.0, 200);
    assert_eq!(
        profile_of(&base, second["access_token"].as_str().unwrap())
            .await
            .0,
        401
    );
    let again = logged_in(&c, &new).await;
    assert_eq!(again["user"]["id"].as_str(), Some(user_id));
    let reused = logged_in(&c, &old).await;
    assert_eq!(reused["is_new_user"], true, "the old number is free");
    assert_ne!(reused["user"]["id"].as_str(), Some(user_id));

    // A login code of the number cannot move it either.
    let sent = c.send_otp(&taken, None).await;
    let login_code = receiver().latest(&taken);
    let confirm =
        json!({"phone_number": taken, "otp": login_code, "session_id": sent.body["session_id"]});
    let (status, body) = post(&base, "/api/v1/users/me/phone", token, confirm).await;
    assert_eq!((status, body["code"].as_str()), (401, Some("INVALID_OTP")));

    // Another account's number: 409, naming nobody; nothing changes.
    let (session, code) = change_code(&base, token, &taken).await;
    let confirm = json!({"phone_number": taken, "otp": code, "session_id": session});
    let (status, body) = post(&base, "/api/v1/users/me/phone", token, confirm).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (409, Some("PHONE_TAKEN")),
        "{body}"
    );
    let told = body.to_string();
    assert!(!told.contains(other["user"]["id"].as_str().unwrap()) && !told.contains(&taken));
    let (_, me) = profile_of(&base, token).await;
    assert_eq!(me["user"]["phone_number"].as_str(), Some(new.as_str()));

    let (db, connection) = tokio_postgres::connect(&stack().database_url(), tokio_postgres::NoTls)
        .await
        .unwrap();
    tokio::spawn(connection);

    // A session that logged in an hour ago (as a stolen token's would have) moves nothing.
    db.execute(
        "UPDATE sessions SET created_at = now() - interval '1 hour' WHERE id = $1",
        &[&first["session_id"].as_str().unwrap()],
    )
    .await
    .unwrap();
    let elsewhere = random_phone();
    let (session, code) = change_code(&base, token, &elsewhere).await;
    let confirm = json!({"phone_number": elsewhere, "otp": code, "session_id": session});
    let (status, body) = post(&base, "/api/v1/users/me/phone", token, confirm).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (403, Some("REAUTHENTICATION_REQUIRED")),
        "{body}"
    );
    let changes: i64 = db
        .query_one(
            "SELECT count(*) FROM audit_events WHERE user_id = $1::text::uuid
             AND event = 'phone_changed' AND detail = 'other sessions ended'",
            &[&user_id],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(changes, 1);
}
