//! Passkeys over the doubles, with an authenticator in software: a registration and a sign-in,
//! and every way an attacker (or a broken client) is refused, each with its stable code.

use super::register::{self, Caller, Registration};
use super::sign_in::{self, Assertion};
use super::*;
use crate::domain::account::{Scope, UserId};
use crate::domain::passkey::challenge;
use crate::domain::passkey::{CredentialId, PasskeyName};
use crate::domain::phone::PhoneNumber;
use crate::domain::secrets::RefreshSecret;
use crate::domain::session::SessionId;
use crate::domain::webauthn::soft_authenticator::{
    attestation_object, auth_data, client_data, P256Verifier, SoftPasskey, UP_UV_AT,
};
use crate::http::error::ErrorCode;
use crate::ports::contract::settings;
use crate::ports::{AccountStore, LoginAccount, NewLogin, PasskeyInfo};
use crate::testing::{FixedClock, FixedSigner, InMemoryAccounts, InMemoryOnce, SeededRandom};
use crate::usecases::IssuedTokens;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use futures::executor::block_on;
use serde_json::Value;

const NOW: i64 = 1_900_000_000;
const RP: &str = "auth.example.com";
const ORIGIN: &str = "https://auth.example.com";
const SECRET: &[u8] = b"a test secret of enough length";

struct World {
    clock: FixedClock,
    rng: SeededRandom,
    settings: Settings,
}

impl World {
    fn new() -> Self {
        Self {
            clock: FixedClock::at(NOW),
            rng: SeededRandom::new(30),
            settings: settings(&[("PASSKEY_RP_ID", RP), ("PASSKEY_ORIGINS", ORIGIN)]),
        }
    }
}

/// User `n` logs in by code (session `n`).
fn log_in(accounts: &InMemoryAccounts<'_, FixedClock>, n: u8) -> (UserId, SessionId) {
    let id = UserId::parse(&format!("6b2e8d2b-1c3f-4d7e-8f9a-{n:012}")).unwrap();
    let session = SessionId::parse(&format!("passkey-session-{n}-0123456789")).unwrap();
    let login = NewLogin {
        phone: &PhoneNumber::parse(&format!("+1415555{:04}", 3200 + u32::from(n)), None).unwrap(),
        new_user_id: &id,
        session: &session,
        refresh_secret: &RefreshSecret([n; 32]),
        refresh_expires_at: NOW + 86_400,
        user_agent: None,
        client_ip: None,
        new_user_scope: &Scope::Unscoped,
        known_account: None,
        binding: None,
    };
    let account = block_on(accounts.login(&login)).unwrap();
    assert!(matches!(account, LoginAccount::Created(_)));
    (id, session)
}

struct Bench<'w> {
    w: &'w World,
    accounts: InMemoryAccounts<'w, FixedClock>,
    once: InMemoryOnce<'w, FixedClock>,
}

impl<'w> Bench<'w> {
    fn new(w: &'w World) -> Self {
        Self {
            w,
            accounts: InMemoryAccounts::new(&w.clock),
            once: InMemoryOnce::new(&w.clock),
        }
    }

    fn register_deps(
        &self,
    ) -> register::Deps<
        '_,
        InMemoryAccounts<'w, FixedClock>,
        InMemoryOnce<'w, FixedClock>,
        P256Verifier,
        SeededRandom,
        FixedClock,
    > {
        register::Deps {
            accounts: &self.accounts,
            once: &self.once,
            verifier: &P256Verifier,
            rng: &self.w.rng,
            clock: &self.w.clock,
            settings: &self.w.settings,
            hmac_secret: SECRET,
        }
    }

    /// Register options for the caller: the challenge and the user handle.
    fn options(
        &self,
        user: &UserId,
        session: &SessionId,
    ) -> Result<(String, Vec<u8>), PasskeyError> {
        let caller = Caller {
            user,
            session,
            region: None,
        };
        let options = block_on(register::options(&self.register_deps(), &caller))?;
        let handle = URL_SAFE_NO_PAD
            .decode(options["user"]["id"].as_str().unwrap())
            .unwrap();
        Ok((options["challenge"].as_str().unwrap().to_owned(), handle))
    }

    fn register(
        &self,
        user: &UserId,
        session: &SessionId,
        client: &[u8],
        attestation: &[u8],
    ) -> Result<PasskeyInfo, PasskeyError> {
        let caller = Caller {
            user,
            session,
            region: None,
        };
        let name = PasskeyName::parse("phone").unwrap();
        let registration = Registration {
            client_data_json: client,
            attestation_object: attestation,
            transports: &["internal".to_owned()],
            name: &name,
        };
        block_on(register::register(
            &self.register_deps(),
            &caller,
            &registration,
        ))
    }

    /// Registers `passkey` for the caller at sign count `count`.
    fn enrol(&self, user: &UserId, session: &SessionId, passkey: &SoftPasskey, count: u32) {
        let (challenge, _) = self.options(user, session).unwrap();
        let (client, attestation) = passkey.create(RP, ORIGIN, &challenge, count);
        self.register(user, session, &client, &attestation).unwrap();
    }

    fn sign_in_challenge(&self) -> String {
        let options =
            sign_in::options(&self.w.settings, SECRET, &self.w.rng, &self.w.clock).unwrap();
        assert_eq!(options["rpId"], RP);
        options["challenge"].as_str().unwrap().to_owned()
    }

    fn sign_in(
        &self,
        user: &UserId,
        credential: &[u8],
        (client, auth, signature): &(Vec<u8>, Vec<u8>, Vec<u8>),
    ) -> Result<IssuedTokens, PasskeyError> {
        let deps = sign_in::Deps {
            accounts: &self.accounts,
            once: &self.once,
            verifier: &P256Verifier,
            signer: &FixedSigner::default(),
            rng: &self.w.rng,
            clock: &self.w.clock,
            settings: &self.w.settings,
            hmac_secret: SECRET,
            region: None,
        };
        let assertion = Assertion {
            credential: &CredentialId::from_bytes(credential).unwrap(),
            user,
            client_data_json: client,
            authenticator_data: auth,
            signature,
            user_agent: Some("tests"),
            client_ip: Some("192.0.2.1"),
            binding: None,
        };
        block_on(sign_in::sign_in(&deps, &assertion))
    }
}

fn code(result: Result<impl std::fmt::Debug, PasskeyError>) -> ErrorCode {
    result.unwrap_err().problem().body.code
}

#[test]
fn a_user_registers_a_passkey_and_signs_in_with_it_as_with_a_code() {
    let w = World::new();
    let b = Bench::new(&w);
    let (user, session) = log_in(&b.accounts, 1);
    let passkey = SoftPasskey::new(1);
    let (challenge, handle) = b.options(&user, &session).unwrap();
    assert_eq!(
        handle,
        user.as_str().as_bytes(),
        "the handle is the user id, no number"
    );
    let (client, attestation) = passkey.create(RP, ORIGIN, &challenge, 0);
    let info = b.register(&user, &session, &client, &attestation).unwrap();
    assert_eq!(info.credential.as_bytes(), passkey.credential_id);
    let listed = block_on(manage::list(&b.accounts, &user, &session)).unwrap();
    assert_eq!(listed, [info]);

    let challenge = b.sign_in_challenge();
    let assertion = passkey.get(RP, ORIGIN, &challenge, 1);
    let tokens = b
        .sign_in(&user, &passkey.credential_id, &assertion)
        .unwrap();
    assert_eq!(tokens.user.id, user);
    assert_ne!(tokens.session, session, "a new session, as a login starts");
    let live = block_on(b.accounts.user_of_session(&user, &tokens.session)).unwrap();
    assert_eq!(live.map(|u| u.id), Some(user.clone()));

    let options = block_on(register::options(
        &b.register_deps(),
        &Caller {
            user: &user,
            session: &session,
            region: Some("eu"),
        },
    ))
    .unwrap();
    let excluded: Vec<&Value> = options["excludeCredentials"]
        .as_array()
        .unwrap()
        .iter()
        .collect();
    assert_eq!(excluded.len(), 1, "the registered passkey is excluded");
    let handle = URL_SAFE_NO_PAD
        .decode(options["user"]["id"].as_str().unwrap())
        .unwrap();
    assert_eq!(
        handle,
        format!("eu.{}", user.as_str()).into_bytes(),
        "with regions, the tag"
    );
}

#[test]
fn a_challenge_is_answered_once_and_a_refused_answer_spends_nothing() {
    let w = World::new();
    let b = Bench::new(&w);
    let (user, session) = log_in(&b.accounts, 2);
    let passkey = SoftPasskey::new(2);
    b.enrol(&user, &session, &passkey, 0);

    let challenge = b.sign_in_challenge();
    let good = passkey.get(RP, ORIGIN, &challenge, 1);
    let mut forged = good.clone();
    forged.2 = passkey.sign(b"other data", &forged.0);
    assert_eq!(
        code(b.sign_in(&user, &passkey.credential_id, &forged)),
        ErrorCode::PasskeyNotRecognized
    );
    b.sign_in(&user, &passkey.credential_id, &good)
        .expect("the forgery spent nothing");
    let replayed = b.sign_in(&user, &passkey.credential_id, &good);
    assert_eq!(
        code(replayed),
        ErrorCode::PasskeyChallengeInvalid,
        "a replayed assertion"
    );
    // The same challenge signed again, with a count that moved on: still used.
    let again = passkey.get(RP, ORIGIN, &challenge, 2);
    assert_eq!(
        code(b.sign_in(&user, &passkey.credential_id, &again)),
        ErrorCode::PasskeyChallengeInvalid
    );

    let (challenge, _) = b.options(&user, &session).unwrap();
    let second = SoftPasskey::new(3);
    let (client, attestation) = second.create(RP, ORIGIN, &challenge, 0);
    b.register(&user, &session, &client, &attestation).unwrap();
    let third = SoftPasskey::new(4);
    let (client, attestation) = third.create(RP, ORIGIN, &challenge, 0);
    assert_eq!(
        code(b.register(&user, &session, &client, &attestation)),
        ErrorCode::PasskeyChallengeInvalid,
        "a registration challenge used twice"
    );
}

#[test]
fn a_response_for_another_site_purpose_or_caller_is_refused_by_name() {
    let w = World::new();
    let b = Bench::new(&w);
    let (user, session) = log_in(&b.accounts, 5);
    let (other, other_session) = log_in(&b.accounts, 6);
    let passkey = SoftPasskey::new(5);
    b.enrol(&user, &session, &passkey, 0);

    let challenge = b.sign_in_challenge();
    let phished = passkey.get(RP, "https://auth.example.com.evil", &challenge, 1);
    assert_eq!(
        code(b.sign_in(&user, &passkey.credential_id, &phished)),
        ErrorCode::PasskeyOriginMismatch
    );
    let other_rp = passkey.get("evil.example", ORIGIN, &challenge, 1);
    assert_eq!(
        code(b.sign_in(&user, &passkey.credential_id, &other_rp)),
        ErrorCode::PasskeyOriginMismatch
    );
    // The credential is the user's; the handle names another user: no such passkey there.
    let borrowed = passkey.get(RP, ORIGIN, &challenge, 1);
    assert_eq!(
        code(b.sign_in(&other, &passkey.credential_id, &borrowed)),
        ErrorCode::PasskeyNotRecognized
    );
    let unverified = {
        let client = client_data("webauthn.get", &challenge, ORIGIN);
        let auth = auth_data(RP, 0x01, 1, None);
        let signature = passkey.sign(&auth, &client);
        (client, auth, signature)
    };
    assert_eq!(
        code(b.sign_in(&user, &passkey.credential_id, &unverified)),
        ErrorCode::PasskeyUserNotVerified
    );
    let made_up = passkey.get(RP, ORIGIN, &URL_SAFE_NO_PAD.encode([9u8; 40]), 1);
    assert_eq!(
        code(b.sign_in(&user, &passkey.credential_id, &made_up)),
        ErrorCode::PasskeyChallengeInvalid
    );
    // A registration's challenge is no sign-in's, and one for another caller is no one's.
    let (registration_challenge, _) = b.options(&user, &session).unwrap();
    let crossed = passkey.get(RP, ORIGIN, &registration_challenge, 1);
    assert_eq!(
        code(b.sign_in(&user, &passkey.credential_id, &crossed)),
        ErrorCode::PasskeyChallengeInvalid
    );
    let newcomer = SoftPasskey::new(6);
    let (client, attestation) = newcomer.create(RP, ORIGIN, &registration_challenge, 0);
    assert_eq!(
        code(b.register(&other, &other_session, &client, &attestation)),
        ErrorCode::PasskeyChallengeInvalid,
        "another user's registration challenge"
    );
    w.clock.advance(challenge::TTL_SECS);
    let late = passkey.get(RP, ORIGIN, &challenge, 1);
    assert_eq!(
        code(b.sign_in(&user, &passkey.credential_id, &late)),
        ErrorCode::PasskeyChallengeInvalid
    );
}

#[test]
fn a_sign_count_that_goes_back_is_refused() {
    let w = World::new();
    let b = Bench::new(&w);
    let (user, session) = log_in(&b.accounts, 7);
    let passkey = SoftPasskey::new(7);
    b.enrol(&user, &session, &passkey, 0);
    let first = passkey.get(RP, ORIGIN, &b.sign_in_challenge(), 5);
    b.sign_in(&user, &passkey.credential_id, &first).unwrap();
    let cloned = passkey.get(RP, ORIGIN, &b.sign_in_challenge(), 3);
    assert_eq!(
        code(b.sign_in(&user, &passkey.credential_id, &cloned)),
        ErrorCode::PasskeySignCountRollback
    );
}

#[test]
fn an_unoffered_algorithm_or_malformed_cbor_is_an_invalid_response() {
    let w = World::new();
    let b = Bench::new(&w);
    let (user, session) = log_in(&b.accounts, 8);
    let (challenge, _) = b.options(&user, &session).unwrap();
    let client = client_data("webauthn.create", &challenge, ORIGIN);
    // An ES384 key: a real algorithm, not one the options offered.
    let es384 = {
        use coset::{iana, CborSerializable, CoseKeyBuilder};
        CoseKeyBuilder::new_ec2_pub_key(iana::EllipticCurve::P_384, vec![1; 48], vec![2; 48])
            .algorithm(iana::Algorithm::ES384)
            .build()
            .to_vec()
            .unwrap()
    };
    let auth = auth_data(RP, UP_UV_AT, 0, Some((&[8; 16], &es384)));
    let unoffered = attestation_object("none", vec![], &auth);
    assert_eq!(
        code(b.register(&user, &session, &client, &unoffered)),
        ErrorCode::InvalidPasskeyResponse
    );
    for garbage in [&b""[..], b"\xa1", b"\xff\xff\xff", b"\x9f\x9f\x9f\x9f"] {
        assert_eq!(
            code(b.register(&user, &session, &client, garbage)),
            ErrorCode::InvalidPasskeyResponse
        );
    }
    // Nothing refused took the challenge: the right registration still goes through.
    let passkey = SoftPasskey::new(8);
    let (client, attestation) = passkey.create(RP, ORIGIN, &challenge, 0);
    b.register(&user, &session, &client, &attestation).unwrap();
}

#[test]
fn an_old_session_a_blocked_user_or_no_rp_id_is_refused() {
    let w = World::new();
    let b = Bench::new(&w);
    let (user, session) = log_in(&b.accounts, 9);
    let (admin, _) = log_in(&b.accounts, 10);
    let passkey = SoftPasskey::new(9);
    b.enrol(&user, &session, &passkey, 0);
    w.clock
        .advance(i64::from(w.settings.phone_change_max_auth_age_secs) + 1);
    let (challenge, _) = b.options(&user, &session).unwrap();
    let late = SoftPasskey::new(11);
    let (client, attestation) = late.create(RP, ORIGIN, &challenge, 0);
    assert_eq!(
        code(b.register(&user, &session, &client, &attestation)),
        ErrorCode::ReauthenticationRequired,
        "a stolen access token of an old session adds no passkey"
    );
    let id = URL_SAFE_NO_PAD.encode(&passkey.credential_id);
    assert_eq!(
        code(block_on(manage::remove(
            &b.accounts,
            &w.settings,
            &user,
            &session,
            &id
        ))),
        ErrorCode::ReauthenticationRequired,
        "nor strips the user's own"
    );

    block_on(b.accounts.set_blocked_by(&user, true, &admin)).unwrap();
    let blocked = passkey.get(RP, ORIGIN, &b.sign_in_challenge(), 1);
    assert_eq!(
        code(b.sign_in(&user, &passkey.credential_id, &blocked)),
        ErrorCode::UserBlocked
    );

    let off = settings(&[]);
    assert_eq!(
        code(sign_in::options(&off, SECRET, &w.rng, &w.clock)),
        ErrorCode::PasskeysDisabled
    );
}
