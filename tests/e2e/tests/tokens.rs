//! Access tokens at the edge: the JWKS, an independent verifier, bearer authentication of the
//! profile, every forged or tampered token refused with 401, and key rotation without downtime.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use e2e::api::{random_phone, Client};
use e2e::jwt::{claims_of, sign};
use e2e::webhook::receiver;
use e2e::{base_url, variants, worker_vars};
use p256::pkcs8::DecodePrivateKey;
use serde_json::{json, Value};

/// Logs a new user in on `base`; returns the login body.
async fn logged_in(base: &str) -> Value {
    let c = Client::new(base);
    let phone = random_phone();
    let sent = c.send_otp(&phone, None).await;
    let session = sent.body["session_id"].as_str().unwrap().to_owned();
    let login = c.login(&phone, &receiver().latest(&phone), &session).await;
    assert_eq!(login.status, 200, "{:?}", login.body);
    login.body
}

async fn get(base: &str, path: &str, bearer: Option<&str>) -> (u16, Value) {
    let mut request = reqwest::Client::new().get(format!("{base}{path}"));
    if let Some(token) = bearer {
        request = request.header("authorization", format!("Bearer {token}"));
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    let body = response.json().await.unwrap_or(Value::Null);
    e2e::openapi::check("GET", path, status, &body);
    (status, body)
}

#[tokio::test]
async fn worker_tokens_verify_with_jsonwebtoken_against_the_served_jwks() {
    let body = logged_in(&base_url()).await;
    let token = body["access_token"].as_str().unwrap();
    let (status, jwks) = get(&base_url(), "/.well-known/jwks.json", None).await;
    assert_eq!(status, 200);
    let keys = jwks["keys"].as_array().unwrap();
    assert_eq!(keys.len(), 1);
    let key = &keys[0];
    assert_eq!(key["kid"], worker_vars()["JWT_SIGNING_KID"].as_str());
    for (field, value) in [
        ("kty", "EC"),
        ("crv", "P-256"),
        ("use", "sig"),
        ("alg", "ES256"),
    ] {
        assert_eq!(key[field], value);
    }
    let header = jsonwebtoken::decode_header(token).unwrap();
    assert_eq!(header.kid.as_deref(), key["kid"].as_str());
    let verified = verify_with(&jwks, token).expect("the token verifies against the JWKS");
    assert_eq!(verified["sub"], body["user"]["id"]);
}

/// What a relying party does: picks the key of the token's `kid` from a JWKS it holds (maybe a
/// cached one) and verifies the token with `jsonwebtoken`. `None` when the set lacks the key or
/// the token does not verify.
fn verify_with(jwks: &Value, token: &str) -> Option<Value> {
    let kid = jsonwebtoken::decode_header(token).ok()?.kid?;
    let key = jwks["keys"]
        .as_array()?
        .iter()
        .find(|k| k["kid"].as_str() == Some(kid.as_str()))?;
    let decoding =
        jsonwebtoken::DecodingKey::from_ec_components(key["x"].as_str()?, key["y"].as_str()?)
            .ok()?;
    let mut validation = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::ES256);
    validation.set_audience(&["phone-auth-clients"]);
    validation.set_issuer(&["phone-auth"]);
    jsonwebtoken::decode::<Value>(token, &decoding, &validation)
        .ok()
        .map(|t| t.claims)
}

/// The public entry `{kid, x, y}` of a PKCS#8 key.
fn public_entry(kid: &str, pem: &str) -> Value {
    use p256::elliptic_curve::sec1::ToEncodedPoint;
    let key = p256::SecretKey::from_pkcs8_pem(pem).unwrap();
    let point = key.public_key().to_encoded_point(false);
    json!({
        "kid": kid,
        "x": URL_SAFE_NO_PAD.encode(point.x().unwrap()),
        "y": URL_SAFE_NO_PAD.encode(point.y().unwrap()),
    })
}

#[tokio::test]
async fn the_profile_answers_the_bearer_of_a_valid_token_and_nobody_else() {
    let body = logged_in(&base_url()).await;
    let token = body["access_token"].as_str().unwrap();
    let (status, profile) = get(&base_url(), "/api/v1/users/profile", Some(token)).await;
    assert_eq!(status, 200, "{profile}");
    assert_eq!(profile["user"], body["user"]);
    for bearer in [
        None,
        Some(""),
        Some("garbage"),
        Some("a.b.c"),
        Some(&"A".repeat(100_000) as &str),
    ] {
        let (status, error) = get(&base_url(), "/api/v1/users/profile", bearer).await;
        assert_eq!(
            (status, error["code"].as_str()),
            (401, Some("UNAUTHORIZED")),
            "{:?}",
            bearer.map(|b| b.len())
        );
    }
    let refresh = body["refresh_token"].as_str().unwrap();
    let (status, _) = get(&base_url(), "/api/v1/users/profile", Some(refresh)).await;
    assert_eq!(status, 401, "a refresh token is not an access token");
}

#[tokio::test]
async fn forged_and_tampered_tokens_are_refused_with_401() {
    let body = logged_in(&base_url()).await;
    let token = body["access_token"].as_str().unwrap().to_owned();
    let vars = worker_vars();
    let pem = &vars["JWT_SIGNING_KEY"];
    let kid = vars["JWT_SIGNING_KID"].as_str();
    let good_header = json!({"alg": "ES256", "typ": "at+jwt", "kid": kid});
    let claims = claims_of(&token);
    let now = claims["iat"].as_i64().unwrap();
    let with = |field: &str, value: Value| {
        let mut c = claims.clone();
        c[field] = value;
        c
    };
    // The control: the real key with the real claims passes, so each refusal below is for the
    // one thing that case changes.
    let control = sign(pem, &good_header, &claims);
    assert_eq!(
        get(&base_url(), "/api/v1/users/profile", Some(&control))
            .await
            .0,
        200
    );

    let (_, jwks) = get(&base_url(), "/.well-known/jwks.json", None).await;
    let public_x = jwks["keys"][0]["x"].as_str().unwrap().to_owned();
    let hs256_with_public_key = {
        use hmac::{Hmac, Mac};
        let input = format!(
            "{}.{}",
            URL_SAFE_NO_PAD
                .encode(json!({"alg": "HS256", "typ": "at+jwt", "kid": kid}).to_string()),
            URL_SAFE_NO_PAD.encode(claims.to_string())
        );
        let mut mac = Hmac::<sha2::Sha256>::new_from_slice(public_x.as_bytes()).unwrap();
        mac.update(input.as_bytes());
        format!(
            "{input}.{}",
            URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes())
        )
    };
    let alg_none = format!(
        "{}.{}.",
        URL_SAFE_NO_PAD.encode(json!({"alg": "none", "typ": "at+jwt", "kid": kid}).to_string()),
        URL_SAFE_NO_PAD.encode(claims.to_string())
    );
    let other_key = p256::SecretKey::random(&mut rand_core::OsRng);
    let other_pem =
        p256::pkcs8::EncodePrivateKey::to_pkcs8_pem(&other_key, p256::pkcs8::LineEnding::LF)
            .unwrap();
    let flip = |position: usize| {
        let mut bytes = token.clone().into_bytes();
        bytes[position] = if bytes[position] == b'A' { b'B' } else { b'A' };
        String::from_utf8(bytes).unwrap()
    };
    let payload_at = token.find('.').unwrap() + 10;
    let signature_at = token.rfind('.').unwrap() + 10;
    let cases: Vec<(&str, String)> = vec![
        ("alg none", alg_none),
        ("HS256 keyed with the public key", hs256_with_public_key),
        (
            "unknown kid",
            sign(
                pem,
                &json!({"alg": "ES256", "typ": "at+jwt", "kid": "nobody"}),
                &claims,
            ),
        ),
        (
            "a key not in the set, with the right kid",
            sign(&other_pem, &good_header, &claims),
        ),
        (
            "expired",
            sign(pem, &good_header, &with("exp", json!(now - 120))),
        ),
        (
            "not yet valid",
            sign(pem, &good_header, &with("nbf", json!(now + 600))),
        ),
        (
            "wrong issuer",
            sign(pem, &good_header, &with("iss", json!("someone-else"))),
        ),
        (
            "wrong audience",
            sign(pem, &good_header, &with("aud", json!("another-app"))),
        ),
        (
            "wrong typ",
            sign(
                pem,
                &json!({"alg": "ES256", "typ": "JWT", "kid": kid}),
                &claims,
            ),
        ),
        ("a flipped payload bit", flip(payload_at)),
        ("a flipped signature bit", flip(signature_at)),
        ("truncated", token[..token.len() - 10].to_owned()),
    ];
    for (what, forged) in cases {
        let (status, error) = get(&base_url(), "/api/v1/users/profile", Some(&forged)).await;
        assert_eq!(
            (status, error["code"].as_str()),
            (401, Some("UNAUTHORIZED")),
            "{what}"
        );
    }
}

#[tokio::test]
async fn after_a_key_rotation_tokens_of_the_previous_key_keep_working() {
    // The main worker signs with key A. A rotated worker signs with a new key B and keeps A's
    // public half as a verification-only key.
    let body = logged_in(&base_url()).await;
    let old_token = body["access_token"].as_str().unwrap().to_owned();
    let (_, old_jwks) = get(&base_url(), "/.well-known/jwks.json", None).await;
    let old_key = &old_jwks["keys"][0];
    let new_key = p256::SecretKey::random(&mut rand_core::OsRng);
    let new_pem =
        p256::pkcs8::EncodePrivateKey::to_pkcs8_pem(&new_key, p256::pkcs8::LineEnding::LF).unwrap();
    let verification =
        json!([{"kid": old_key["kid"], "x": old_key["x"], "y": old_key["y"]}]).to_string();
    let rotated = variants::start(
        "rotated",
        &[
            ("JWT_SIGNING_KEY", new_pem.as_str()),
            ("JWT_SIGNING_KID", "key-b"),
            ("JWT_VERIFICATION_KEYS", &verification),
        ],
    );
    let url = rotated.instance.url();
    let (_, jwks) = get(&url, "/.well-known/jwks.json", None).await;
    let kids: Vec<&str> = jwks["keys"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["kid"].as_str().unwrap())
        .collect();
    assert_eq!(kids, ["key-b", old_key["kid"].as_str().unwrap()]);
    let (status, _) = get(&url, "/api/v1/users/profile", Some(&old_token)).await;
    assert_eq!(
        status, 200,
        "a token of the previous key still works after the rotation"
    );
    let new_body = logged_in(&url).await;
    let new_token = new_body["access_token"].as_str().unwrap();
    assert_eq!(
        jsonwebtoken::decode_header(new_token)
            .unwrap()
            .kid
            .as_deref(),
        Some("key-b")
    );
    assert_eq!(
        get(&url, "/api/v1/users/profile", Some(new_token)).await.0,
        200
    );
    // The old worker never learned key B: the set is what decides.
    assert_eq!(
        get(&base_url(), "/api/v1/users/profile", Some(new_token))
            .await
            .0,
        401
    );
}

#[tokio::test]
async fn a_full_rotation_never_shows_a_caching_client_a_token_of_a_key_it_lacks() {
    let vars = worker_vars();
    let (old_kid, old_pem) = (
        vars["JWT_SIGNING_KID"].clone(),
        vars["JWT_SIGNING_KEY"].clone(),
    );
    let next_pem = p256::pkcs8::EncodePrivateKey::to_pkcs8_pem(
        &p256::SecretKey::random(&mut rand_core::OsRng),
        p256::pkcs8::LineEnding::LF,
    )
    .unwrap()
    .to_string();
    let next = json!([public_entry("key-next", &next_pem)]).to_string();
    let old = json!([public_entry(&old_kid, &old_pem)]).to_string();

    // Step 1: the next key is published; the old key still signs.
    let announced = variants::start("rotation-announced", &[("JWT_NEXT_KEYS", &next)]);
    let step1 = announced.instance.url();
    let (_, cached) = get(&step1, "/.well-known/jwks.json", None).await;
    let kids: Vec<&str> = cached["keys"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["kid"].as_str().unwrap())
        .collect();
    assert_eq!(kids, [old_kid.as_str(), "key-next"]);
    let before = logged_in(&step1).await;
    let before_token = before["access_token"].as_str().unwrap();
    assert!(verify_with(&cached, before_token).is_some());
    let early = sign(
        &next_pem,
        &json!({"alg": "ES256", "typ": "at+jwt", "kid": "key-next"}),
        &claims_of(before_token),
    );
    assert_eq!(
        get(&step1, "/api/v1/users/profile", Some(&early)).await.0,
        401,
        "a next key verifies nothing before it signs"
    );

    // Step 2: the next key signs; the old one verifies until its tokens expire. The entry left
    // in JWT_NEXT_KEYS is the signing key itself and is ignored.
    let promoted = variants::start(
        "rotation-promoted",
        &[
            ("JWT_SIGNING_KEY", next_pem.as_str()),
            ("JWT_SIGNING_KID", "key-next"),
            ("JWT_VERIFICATION_KEYS", &old),
            ("JWT_NEXT_KEYS", &next),
        ],
    );
    let step2 = promoted.instance.url();
    let after = logged_in(&step2).await;
    let after_token = after["access_token"].as_str().unwrap();
    assert_eq!(
        jsonwebtoken::decode_header(after_token)
            .unwrap()
            .kid
            .as_deref(),
        Some("key-next")
    );
    assert!(
        verify_with(&cached, after_token).is_some(),
        "the JWKS a client cached before the switch already verifies the new key's tokens"
    );
    for token in [before_token, after_token] {
        assert_eq!(
            get(&step2, "/api/v1/users/profile", Some(token)).await.0,
            200
        );
    }
    let (_, jwks) = get(&step2, "/.well-known/jwks.json", None).await;
    assert_eq!(jwks["keys"].as_array().unwrap().len(), 2, "{jwks}");
}
