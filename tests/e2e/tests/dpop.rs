//! DPoP (RFC 9449) as a mobile app with a key in its secure hardware uses it, and as an attacker
//! who stole its tokens (but not its key) or its proofs tries to: a bound pair works only with
//! proofs by its key, and every way a proof can fail is refused with the RFC's error.

use e2e::api::{random_phone, Client};
use e2e::dpop::{current_nonce, send, Answer, DpopKey};
use e2e::jwt::claims_of;
use e2e::{base_url, worker_vars};
use serde_json::{json, Value};

const PROFILE: &str = "/api/v1/users/profile";
const REFRESH: &str = "/api/v1/auth/refresh";

fn url(path: &str) -> String {
    format!("{}{path}", base_url())
}

fn text<'a>(body: &'a Value, field: &str) -> &'a str {
    body[field].as_str().unwrap()
}

/// A login whose pair is bound to `key`: the nonce first, as a client meets it.
async fn bound_login(key: &DpopKey) -> Value {
    let phone = random_phone();
    let c = Client::new(&base_url());
    let sent = c.send_otp(&phone, None).await;
    assert_eq!(sent.status, 200, "{:?}", sent.body);
    let session = text(&sent.body, "session_id").to_owned();
    let code = e2e::webhook::receiver().latest(&phone);
    let nonce = current_nonce(key).await;
    let proof = key.proof_of(&DpopKey::claims(
        "POST",
        &url("/api/v1/auth/login"),
        None,
        Some(&nonce),
    ));
    let login = send(
        "POST",
        "/api/v1/auth/login",
        &[("dpop", &proof)],
        Some(json!({"phone_number": phone, "otp": code, "session_id": session})),
    )
    .await;
    assert_eq!(login.status, 200, "{login:?}");
    assert!(
        login.nonce.is_some(),
        "every answer to a proof carries the nonce"
    );
    login.body
}

/// The profile with `access` as `Authorization: DPoP` and `proof`.
async fn profile_with(access: &str, proof: Option<&str>) -> Answer {
    let authorization = format!("DPoP {access}");
    let mut headers = vec![("authorization", authorization.as_str())];
    if let Some(proof) = proof {
        headers.push(("dpop", proof));
    }
    send("GET", PROFILE, &headers, None).await
}

async fn refresh_with(refresh: &str, proof: Option<&str>) -> Answer {
    let headers: Vec<(&str, &str)> = proof.map(|p| ("dpop", p)).into_iter().collect();
    send(
        "POST",
        REFRESH,
        &headers,
        Some(json!({"refresh_token": refresh})),
    )
    .await
}

fn refused_as(answer: &Answer, code: &str, rfc_error: &str) {
    assert_eq!((answer.status, answer.code()), (401, code), "{answer:?}");
    let challenge = answer.challenge.as_deref().unwrap_or_default();
    assert!(
        challenge.starts_with("DPoP ") && challenge.contains(&format!("error=\"{rfc_error}\"")),
        "{answer:?}"
    );
}

#[tokio::test]
async fn a_bound_pair_works_with_its_key_and_stays_bound_through_refresh() {
    let meta: Value = reqwest::get(url("/.well-known/oauth-authorization-server"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(meta["dpop_signing_alg_values_supported"], json!(["ES256"]));

    let key = DpopKey::random();
    let login = bound_login(&key).await;
    assert_eq!(login["token_type"], "DPoP");
    let access = text(&login, "access_token");
    assert_eq!(
        claims_of(access)["cnf"]["jkt"],
        key.jkt(),
        "RFC 7638, as the client computes it"
    );

    let nonce = current_nonce(&key).await;
    let proof = key.proof_of(&DpopKey::claims(
        "GET",
        &url(PROFILE),
        Some(access),
        Some(&nonce),
    ));
    let profile = profile_with(access, Some(&proof)).await;
    assert_eq!(profile.status, 200, "{profile:?}");
    assert_eq!(profile.body["user"]["id"], login["user"]["id"]);

    let proof = key.proof_of(&DpopKey::claims("POST", &url(REFRESH), None, Some(&nonce)));
    let refreshed = refresh_with(text(&login, "refresh_token"), Some(&proof)).await;
    assert_eq!(refreshed.status, 200, "{refreshed:?}");
    assert_eq!(refreshed.body["token_type"], "DPoP");
    assert_eq!(
        claims_of(text(&refreshed.body, "access_token"))["cnf"]["jkt"],
        key.jkt()
    );

    // A resource server learns the key from introspection.
    let bearer = worker_vars()["INTROSPECTION_TOKENS"].clone();
    let form = format!("token={}", text(&refreshed.body, "access_token"));
    let introspected: Value = reqwest::Client::new()
        .post(url("/oauth/introspect"))
        .header("content-type", "application/x-www-form-urlencoded")
        .bearer_auth(bearer.split(',').next().unwrap())
        .body(form)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(introspected["token_type"], "DPoP");
    assert_eq!(introspected["cnf"]["jkt"], key.jkt());

    // A client without DPoP gets a bearer pair, as before.
    let plain = Client::new(&base_url()).logged_in(&random_phone()).await;
    assert_eq!(plain["token_type"], "Bearer");
    assert!(claims_of(text(&plain, "access_token")).get("cnf").is_none());
}

#[tokio::test]
async fn stolen_bound_tokens_are_worthless_without_the_key_and_cannot_hurt_the_owner() {
    let (owner, thief) = (DpopKey::random(), DpopKey::random());
    let login = bound_login(&owner).await;
    let (access, refresh) = (text(&login, "access_token"), text(&login, "refresh_token"));
    let nonce = current_nonce(&thief).await;

    // The access token: as a bearer token, alone, or with the thief's own proof.
    let as_bearer = send(
        "GET",
        PROFILE,
        &[("authorization", &format!("Bearer {access}"))],
        None,
    )
    .await;
    refused_as(&as_bearer, "UNAUTHORIZED", "invalid_token");
    assert!(
        as_bearer.nonce.is_some(),
        "a DPoP challenge hands out the nonce to use"
    );
    refused_as(
        &profile_with(access, None).await,
        "INVALID_DPOP_PROOF",
        "invalid_dpop_proof",
    );
    let thiefs = thief.proof_of(&DpopKey::claims(
        "GET",
        &url(PROFILE),
        Some(access),
        Some(&nonce),
    ));
    refused_as(
        &profile_with(access, Some(&thiefs)).await,
        "INVALID_DPOP_PROOF",
        "invalid_dpop_proof",
    );

    // The refresh token: without a proof, or with the thief's. Refused as any unknown token,
    // and nothing happens to the session: no rotation, no reuse detection.
    let alone = refresh_with(refresh, None).await;
    assert_eq!(
        (alone.status, alone.code()),
        (401, "INVALID_REFRESH_TOKEN"),
        "{alone:?}"
    );
    let thiefs = thief.proof_of(&DpopKey::claims("POST", &url(REFRESH), None, Some(&nonce)));
    let with_thiefs = refresh_with(refresh, Some(&thiefs)).await;
    assert_eq!(
        (with_thiefs.status, with_thiefs.code()),
        (401, "INVALID_REFRESH_TOKEN")
    );

    // The attack on the defence: ending the owner's session with what was stolen.
    let logout = send(
        "POST",
        "/api/v1/auth/logout",
        &[],
        Some(json!({"refresh_token": refresh})),
    )
    .await;
    assert_eq!(
        (logout.status, logout.code()),
        (401, "INVALID_REFRESH_TOKEN")
    );
    let client_id = worker_vars()
        .get("JWT_CLIENT_ID")
        .cloned()
        .unwrap_or_else(|| "phone-auth".into());
    for token in [access, refresh] {
        let revoked = reqwest::Client::new()
            .post(url("/oauth/revoke"))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(format!("token={token}&client_id={client_id}"))
            .send()
            .await
            .unwrap();
        assert_eq!(
            revoked.status().as_u16(),
            200,
            "RFC 7009: answered, and nothing revoked"
        );
    }

    // The owner carries on.
    let nonce = current_nonce(&owner).await;
    let proof = owner.proof_of(&DpopKey::claims(
        "GET",
        &url(PROFILE),
        Some(access),
        Some(&nonce),
    ));
    assert_eq!(profile_with(access, Some(&proof)).await.status, 200);
    let proof = owner.proof_of(&DpopKey::claims("POST", &url(REFRESH), None, Some(&nonce)));
    let refreshed = refresh_with(refresh, Some(&proof)).await;
    assert_eq!(refreshed.status, 200, "{refreshed:?}");
}

#[tokio::test]
async fn proofs_that_do_not_hold_are_refused_with_the_rfcs_codes() {
    let (owner, other) = (DpopKey::random(), DpopKey::random());
    let login = bound_login(&owner).await;
    let access = text(&login, "access_token");
    let nonce = current_nonce(&owner).await;
    let good = || DpopKey::claims("GET", &url(PROFILE), Some(access), Some(&nonce));
    let with = |field: &str, value: Value| {
        let mut claims = good();
        claims[field] = value;
        owner.proof_of(&claims)
    };
    let now = good()["iat"].as_i64().unwrap();
    let header = |alg: &str| json!({"typ": "dpop+jwt", "alg": alg, "jwk": owner.jwk()});
    let unsigned = {
        let proof = owner.signed(&header("none"), &good());
        format!("{}.", proof.rsplit_once('.').unwrap().0)
    };
    let hs256 = owner.signed(&header("HS256"), &good());
    // Signed by another key, under the owner's public key.
    let forged = other.signed(&header("ES256"), &good());
    let cases = [
        ("another method", with("htm", json!("POST"))),
        (
            "another URL",
            with("htu", json!(url("/api/v1/auth/sessions"))),
        ),
        ("an expired proof", with("iat", json!(now - 600))),
        ("a proof from the future", with("iat", json!(now + 600))),
        ("another token's hash", with("ath", json!("AAAA"))),
        ("alg none", unsigned),
        ("alg HS256", hs256),
        ("another key's signature", forged),
        ("garbage", "not.a.proof".to_owned()),
    ];
    for (what, proof) in cases {
        let answer = profile_with(access, Some(&proof)).await;
        assert_eq!(
            (answer.status, answer.code()),
            (401, "INVALID_DPOP_PROOF"),
            "{what}: {answer:?}"
        );
        assert!(
            answer
                .challenge
                .unwrap_or_default()
                .contains("invalid_dpop_proof"),
            "{what}"
        );
    }
    let stale = with("nonce", json!("a-nonce-never-handed-out"));
    refused_as(
        &profile_with(access, Some(&stale)).await,
        "USE_DPOP_NONCE",
        "use_dpop_nonce",
    );

    // A replayed proof: the first use passes, the same proof again does not.
    let once = owner.proof_of(&good());
    assert_eq!(profile_with(access, Some(&once)).await.status, 200);
    refused_as(
        &profile_with(access, Some(&once)).await,
        "INVALID_DPOP_PROOF",
        "invalid_dpop_proof",
    );
    // A refresh's proof replayed with the next refresh token.
    let proof = owner.proof_of(&DpopKey::claims("POST", &url(REFRESH), None, Some(&nonce)));
    let first = refresh_with(text(&login, "refresh_token"), Some(&proof)).await;
    assert_eq!(first.status, 200, "{first:?}");
    let replayed = refresh_with(text(&first.body, "refresh_token"), Some(&proof)).await;
    refused_as(&replayed, "INVALID_DPOP_PROOF", "invalid_dpop_proof");
}
