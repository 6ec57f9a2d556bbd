//! A number change over the in-memory stores: a code sent for the change moves the caller's
//! account and nothing else; every other code, and a taken number, is refused.

use super::*;
use crate::domain::account::Scope;
use crate::domain::edge::EdgeSignals;
use crate::domain::phone::PhoneNumber;
use crate::domain::secrets::RefreshSecret;
use crate::ports::contract::settings;
use crate::ports::{NewLogin, PasskeyStore};
use crate::testing::FixedBotCheck;
use crate::testing::{FixedClock, InMemoryAccounts, InMemoryOtpStore, RecordingSms, SeededRandom};
use futures::executor::block_on;
use std::sync::LazyLock;

const SECRET: &[u8] = b"0123456789abcdef0123456789abcdef";
const OLD: &str = "+14155552711";
const NEW: &str = "+14155552712";
const TAKEN: &str = "+14155552713";

/// A deployment without data regions: every number is in the one region.
static ONE_REGION: LazyLock<Regions> = LazyLock::new(Regions::single);

fn mover(user: &UserId) -> Mover<'_> {
    Mover {
        user,
        region: ONE_REGION.default_region(),
        regions: &ONE_REGION,
    }
}

/// A number as the edge hands it over, parsed (kept for the test's length).
fn number(phone: &str) -> &'static PhoneNumber {
    Box::leak(Box::new(PhoneNumber::parse(phone, None).unwrap()))
}

struct World {
    clock: FixedClock,
    sms: RecordingSms,
    rng: SeededRandom,
    settings: Settings,
}

impl World {
    fn new() -> Self {
        Self {
            clock: FixedClock::at(1_900_000_000),
            sms: RecordingSms::default(),
            rng: SeededRandom::new(11),
            settings: settings(&[("OTP_RESEND_COOLDOWN_SECONDS", "0")]),
        }
    }

    /// Logs `phone` in on `accounts`, proposing the id and session numbered `n`.
    fn log_in(&self, accounts: &impl AccountStore, phone: &str, n: u8) -> (User, SessionId) {
        let id = UserId::parse(&format!("4d2c6e8a-1b3f-4a5c-9d7e-{n:012}")).unwrap();
        let session = SessionId::parse(&format!("change-session-{n}-0123456789")).unwrap();
        let login = NewLogin {
            phone: &PhoneNumber::parse(phone, None).unwrap(),
            new_user_id: &id,
            session: &session,
            refresh_secret: &RefreshSecret([n; 32]),
            refresh_expires_at: 1_900_086_400,
            user_agent: None,
            client_ip: None,
            new_user_scope: &Scope::Unscoped,
            known_account: None,
            binding: None,
        };
        (
            block_on(accounts.login(&login)).unwrap().into_user(),
            session,
        )
    }

    /// The number change's parts: the stores given and this world's settings.
    fn deps<'a, A: AccountStore + PasskeyStore>(
        &'a self,
        store: &'a InMemoryOtpStore<'a, FixedClock>,
        accounts: &'a A,
    ) -> Deps<'a, A> {
        ChangePhoneDeps {
            store,
            accounts,
            sms: &self.sms,
            settings: &self.settings,
            hmac_secret: SECRET,
        }
    }

    /// Sends `user` a change code for `phone`: the code's session and the code.
    fn send(&self, store: &impl OtpStore, user: &UserId, phone: &str) -> (String, String) {
        let sent = self.send_as(store, &mover(user), phone).unwrap();
        let code = self.sms.sent().last().unwrap().code.clone().unwrap();
        (sent.session_id.as_str().to_owned(), code)
    }

    fn send_as(
        &self,
        store: &impl OtpStore,
        mover: &Mover<'_>,
        phone: &str,
    ) -> Result<SendOtpOutput, SendOtpError> {
        let deps = SendOtpDeps {
            store,
            sms: &self.sms,
            rng: &self.rng,
            clock: &self.clock,
            bot: &FixedBotCheck::default(),
            settings: &self.settings,
            hmac_secret: SECRET,
        };
        let input = SendOtpInput {
            phone: number(phone),
            session_id: Some("a-session-the-client-picked"),
            client_ip: "192.0.2.1",
            locale: None,
            accept_language: None,
            purpose: CodePurpose::Login,
            channel: None,
            edge: &EdgeSignals::default(),
            captcha_token: None,
        };
        block_on(send_change_code(&deps, mover, input))
    }
}

type Deps<'a, A> = ChangePhoneDeps<'a, InMemoryOtpStore<'a, FixedClock>, A, RecordingSms>;

/// The change, from a request with no language; the user when it is made (its notice sent).
fn change<A: AccountStore + PasskeyStore>(
    deps: &Deps<'_, A>,
    user: &UserId,
    session: &SessionId,
    presented: &PresentedCode<'_>,
) -> Result<User, ChangePhoneError> {
    let moved = block_on(change_phone(deps, &mover(user), session, presented, &[]))?;
    assert_eq!(moved.notice, Ok(()), "the old number is told");
    Ok(moved.user)
}

fn presented<'a>(phone: &'a str, session: &'a str, code: &'a str) -> PresentedCode<'a> {
    PresentedCode {
        phone: number(phone),
        otp: code,
        session_id: Some(session),
        client_ip: "192.0.2.1",
        asn: None,
        now: 0,
    }
}

#[test]
fn a_change_code_moves_its_users_account_and_nothing_else() {
    let w = World::new();
    let store = InMemoryOtpStore::new(&w.clock);
    let accounts = InMemoryAccounts::new(&w.clock);
    let deps = w.deps(&store, &accounts);
    let (alice, alice_session) = w.log_in(&accounts, OLD, 1);
    let (bob, bob_session) = w.log_in(&accounts, TAKEN, 2);

    // Bob cannot spend a code sent for Alice's change, and it survives his wrong try.
    let (session, code) = w.send(&store, &alice.id, NEW);
    assert_ne!(
        session, "a-session-the-client-picked",
        "the server picks the session"
    );
    let refused = change(
        &deps,
        &bob.id,
        &bob_session,
        &presented(NEW, &session, &code),
    );
    assert_eq!(
        refused,
        Err(ChangePhoneError::Code(CodeRejected::InvalidOtp))
    );
    let moved = change(
        &deps,
        &alice.id,
        &alice_session,
        &presented(NEW, &session, &code),
    );
    let moved = moved.unwrap();
    assert_eq!(
        (moved.id.clone(), moved.phone.as_str()),
        (alice.id.clone(), NEW)
    );
    let again = change(
        &deps,
        &alice.id,
        &alice_session,
        &presented(NEW, &session, &code),
    );
    assert_eq!(
        again,
        Err(ChangePhoneError::Code(CodeRejected::InvalidOtp)),
        "spent once"
    );

    // The new number logs in to Alice's account; the old one is free for a new user.
    let (found, _) = w.log_in(&accounts, NEW, 3);
    assert_eq!(found.id, alice.id);
    let (fresh, _) = w.log_in(&accounts, OLD, 4);
    assert_ne!(fresh.id, alice.id);

    // Bob's number is refused with one answer that names nobody.
    let (session, code) = w.send(&store, &alice.id, TAKEN);
    let taken = change(
        &deps,
        &alice.id,
        &alice_session,
        &presented(TAKEN, &session, &code),
    );
    let taken = taken.unwrap_err();
    assert_eq!(taken, ChangePhoneError::PhoneTaken);
    let body = taken.problem().body;
    assert_eq!(
        (body.http_status(), body.code),
        (409, ErrorCode::PhoneTaken)
    );
    assert!(!body.error.contains(bob.id.as_str()) && !body.error.contains(TAKEN));
}

#[test]
fn a_login_code_cannot_move_a_number_and_a_change_code_cannot_log_in() {
    use crate::domain::otp::{code_mac, OtpCode};
    use crate::ports::{Caller, IssueRequest, VerifyOutcome, VerifyRequest};
    let w = World::new();
    let store = InMemoryOtpStore::new(&w.clock);
    let accounts = InMemoryAccounts::new(&w.clock);
    let deps = w.deps(&store, &accounts);
    let (alice, alice_session) = w.log_in(&accounts, OLD, 1);
    let phone = PhoneNumber::parse(NEW, None).unwrap();

    // A login code for the new number, as send-otp stores it.
    let login_session = SessionId::parse("login-session-0123456789").unwrap();
    let login_mac = code_mac(
        SECRET,
        &phone,
        &login_session,
        &OtpCode::trusted("135790".into()),
    );
    let issue = IssueRequest {
        phone: &phone,
        session: &login_session,
        mac: &login_mac,
        client_ip: "192.0.2.1",
        caller: Caller::default(),
        settings: &w.settings,
    };
    block_on(store.issue(&issue)).unwrap();
    let tried = presented(NEW, login_session.as_str(), "135790");
    let refused = change(&deps, &alice.id, &alice_session, &tried);
    assert_eq!(
        refused,
        Err(ChangePhoneError::Code(CodeRejected::InvalidOtp))
    );

    // A change code presented as a login's.
    let (session, code) = w.send(&store, &alice.id, NEW);
    let session = SessionId::parse(&session).unwrap();
    let as_login = code_mac(SECRET, &phone, &session, &OtpCode::trusted(code));
    let verify = VerifyRequest {
        phone: &phone,
        session: &session,
        mac: &as_login,
        client_ip: "192.0.2.1",
        caller: Caller::default(),
        settings: &w.settings,
    };
    assert!(matches!(
        block_on(store.verify(&verify)).unwrap().outcome,
        VerifyOutcome::Mismatch { .. }
    ));
    assert!(matches!(
        block_on(accounts.find_user(&alice.id)).unwrap(),
        Some(user) if user.phone == OLD
    ));
}

#[test]
fn only_a_recent_login_moves_the_number() {
    let w = World::new();
    let store = InMemoryOtpStore::new(&w.clock);
    let accounts = InMemoryAccounts::new(&w.clock);
    let deps = w.deps(&store, &accounts);
    let (alice, session) = w.log_in(&accounts, OLD, 1);
    w.clock.advance(601);
    let (code_session, code) = w.send(&store, &alice.id, NEW);
    let stale = change(
        &deps,
        &alice.id,
        &session,
        &presented(NEW, &code_session, &code),
    );
    let stale = stale.unwrap_err();
    assert_eq!(stale, ChangePhoneError::NotRecent);
    let body = stale.problem().body;
    assert_eq!(
        (body.http_status(), body.code),
        (403, ErrorCode::ReauthenticationRequired)
    );
    let unchanged = block_on(accounts.find_user(&alice.id)).unwrap().unwrap();
    assert_eq!(unchanged.phone, OLD);
}

#[test]
fn the_number_the_account_left_is_told_with_no_code_in_the_callers_language() {
    let w = World::new();
    let store = InMemoryOtpStore::new(&w.clock);
    let accounts = InMemoryAccounts::new(&w.clock);
    let deps = w.deps(&store, &accounts);
    let (alice, alice_session) = w.log_in(&accounts, OLD, 1);
    let (session, code) = w.send(&store, &alice.id, NEW);
    let change_code = w.sms.sent().last().unwrap().clone();
    assert!(
        change_code
            .message
            .starts_with("Your code to move your account"),
        "a change code reads unlike a login code: {}",
        change_code.message
    );
    let languages = ["es-MX".to_owned()];
    let moved = block_on(change_phone(
        &deps,
        &mover(&alice.id),
        &alice_session,
        &presented(NEW, &session, &code),
        &languages,
    ))
    .unwrap();
    assert_eq!(moved.notice, Ok(()));
    assert_eq!(
        moved.left.as_e164(),
        OLD,
        "the number it left, to be forgotten"
    );
    let notice = w.sms.sent().last().unwrap().clone();
    assert_eq!(
        (notice.to.as_str(), notice.code.as_deref()),
        (OLD, None),
        "the old number, and no code"
    );
    assert!(
        notice.message.starts_with("Tu cuenta"),
        "{}",
        notice.message
    );

    // A provider that refuses the notice does not undo the move.
    let (session, code) = w.send(&store, &alice.id, OLD);
    w.sms.fail();
    let moved = block_on(change_phone(
        &deps,
        &mover(&alice.id),
        &alice_session,
        &presented(OLD, &session, &code),
        &[],
    ))
    .unwrap();
    assert!(moved.notice.is_err());
    assert_eq!(moved.user.phone, OLD, "moved all the same");
}

#[test]
fn a_number_of_another_region_is_refused_before_any_code_is_sent_or_checked() {
    let w = World::new();
    let store = InMemoryOtpStore::new(&w.clock);
    let accounts = InMemoryAccounts::new(&w.clock);
    let deps = w.deps(&store, &accounts);
    let (alice, alice_session) = w.log_in(&accounts, OLD, 1);
    let regions = Regions::parse(Some("eu=44;us=1"), Some("us")).unwrap();
    let in_us = Mover {
        user: &alice.id,
        region: regions.named("us").unwrap(),
        regions: &regions,
    };
    let uk = "+442079460958";
    let refused = w.send_as(&store, &in_us, uk).unwrap_err();
    assert_eq!(refused, SendOtpError::OtherRegion);
    assert_eq!(refused.problem().body.code, ErrorCode::InvalidPhone);
    assert!(w.sms.sent().is_empty(), "no code went out");
    let tried = presented(uk, "a-session-0123456789", "123456");
    let refused = block_on(change_phone(&deps, &in_us, &alice_session, &tried, &[]));
    assert!(matches!(refused, Err(ChangePhoneError::OtherRegion)));
    // A number of its own region moves as ever.
    w.send_as(&store, &in_us, NEW).unwrap();
}
