//! Login with data regions, over in-memory stores: a number with no account in its home region
//! logs in where its account is (made before regions, or before its calling code moved), to the
//! same id, and a blocked account stays blocked; a number with no account anywhere is made at
//! home.

use super::*;
use crate::domain::account::Scope;
use crate::domain::otp::{code_mac, OtpCode};
use crate::ports::contract::settings;
use crate::ports::{Caller, IssueOutcome, IssueRequest};
use crate::testing::{
    CountingLender, FixedClock, FixedSigner, InMemoryAccounts, InMemoryOtpStore, SeededRandom,
};
use futures::executor::block_on;

const SECRET: &[u8] = b"0123456789abcdef0123456789abcdef";
const SESSION: &str = "regions-session-0123456789";

struct World {
    clock: FixedClock,
    rng: SeededRandom,
    signer: FixedSigner,
    settings: Settings,
}

impl World {
    fn new() -> Self {
        Self {
            clock: FixedClock::at(1_900_000_000),
            rng: SeededRandom::new(11),
            signer: FixedSigner::default(),
            settings: settings(&[("OTP_RESEND_COOLDOWN_SECONDS", "0")]),
        }
    }

    /// Sends `phone` a code (into `codes`, the home region's Redis) and logs in with it, the
    /// home region's accounts being `home` (`us`) and the others `elsewhere`.
    fn log_in<L: AccountLender>(
        &self,
        codes: &InMemoryOtpStore<'_, FixedClock>,
        home: &L,
        elsewhere: &[(&str, L)],
        phone: &str,
    ) -> Result<LoginOutput, LoginError> {
        let number = PhoneNumber::parse(phone, None).unwrap();
        let session = SessionId::parse(SESSION).unwrap();
        let code = OtpCode::trusted("123456".to_owned());
        let mac = code_mac(SECRET, &number, &session, &code);
        let request = IssueRequest {
            phone: &number,
            session: &session,
            mac: &mac,
            client_ip: "192.0.2.9",
            caller: Caller::default(),
            settings: &self.settings,
        };
        assert_eq!(
            block_on(codes.issue(&request)).unwrap(),
            IssueOutcome::Issued
        );
        let deps = LoginDeps {
            store: codes,
            accounts: home,
            elsewhere,
            signer: &self.signer,
            rng: &self.rng,
            clock: &self.clock,
            settings: &self.settings,
            hmac_secret: SECRET,
            region: Some("us"),
        };
        let input = LoginInput {
            phone: &number,
            otp: "123456",
            session_id: Some(SESSION),
            client_ip: "192.0.2.9",
            asn: None,
            user_agent: None,
            new_user_scope: &Scope::Unscoped,
            binding: None,
        };
        block_on(login(&deps, &input))
    }
}

fn users_in(accounts: &InMemoryAccounts<'_, FixedClock>) -> u64 {
    let everyone = crate::domain::admin::UserQuery::parse([]).unwrap();
    block_on(accounts.list_users(&everyone)).unwrap().total
}

#[test]
fn an_account_made_before_regions_logs_in_where_it_lives_to_the_same_id() {
    let w = World::new();
    let codes = InMemoryOtpStore::new(&w.clock);
    let (us, eu) = (
        InMemoryAccounts::new(&w.clock),
        InMemoryAccounts::new(&w.clock),
    );
    // Before regions: the one database (now eu's, the default region) made the account.
    let before = w.log_in(&codes, &eu, &[], "+14155552601").unwrap();
    let elsewhere = [("eu", eu)];
    let after = w.log_in(&codes, &us, &elsewhere, "+14155552601").unwrap();
    assert!(!after.is_new_user);
    assert_eq!(
        after.tokens.user.id, before.tokens.user.id,
        "the same account"
    );
    assert_eq!(after.region.as_deref(), Some("eu"), "where it lives");
    assert!(
        after.tokens.refresh_token.starts_with("eu."),
        "its tokens route to its region"
    );
    assert_eq!(users_in(&us), 0, "no second account at home");
}

#[test]
fn a_blocked_account_in_another_region_stays_blocked() {
    let w = World::new();
    let codes = InMemoryOtpStore::new(&w.clock);
    let (us, eu) = (
        InMemoryAccounts::new(&w.clock),
        InMemoryAccounts::new(&w.clock),
    );
    let before = w.log_in(&codes, &eu, &[], "+14155552602").unwrap();
    let admin =
        crate::domain::account::UserId::parse("00000000-0000-4000-8000-000000000001").unwrap();
    let blocked = block_on(eu.set_blocked_by(&before.tokens.user.id, true, &admin)).unwrap();
    assert!(blocked.is_some());
    let elsewhere = [("eu", eu)];
    let refused = w
        .log_in(&codes, &us, &elsewhere, "+14155552602")
        .unwrap_err();
    assert_eq!(refused, LoginError::Blocked);
    assert_eq!(
        users_in(&us),
        0,
        "no way around the block through the home region"
    );
}

#[test]
fn a_number_no_region_knows_is_made_at_home_and_found_there_next_time() {
    let w = World::new();
    let codes = InMemoryOtpStore::new(&w.clock);
    let us = InMemoryAccounts::new(&w.clock);
    let elsewhere = [("eu", InMemoryAccounts::new(&w.clock))];
    let first = w.log_in(&codes, &us, &elsewhere, "+14155552603").unwrap();
    assert!(first.is_new_user);
    assert_eq!(first.region.as_deref(), Some("us"));
    assert_eq!(users_in(&us), 1);
    assert_eq!(users_in(&elsewhere[0].1), 0);
    let again = w.log_in(&codes, &us, &elsewhere, "+14155552603").unwrap();
    assert_eq!(again.tokens.user.id, first.tokens.user.id);
}

#[test]
fn a_login_borrows_one_connection_at_home_and_asks_elsewhere_only_for_a_number_new_there() {
    let w = World::new();
    let codes = InMemoryOtpStore::new(&w.clock);
    let (us, eu) = (
        InMemoryAccounts::new(&w.clock),
        InMemoryAccounts::new(&w.clock),
    );
    w.log_in(&codes, &eu, &[], "+14155552604").unwrap();
    let home = CountingLender::new(&us);
    let elsewhere = [("eu", CountingLender::new(&eu))];
    let lends = || (home.lends(), elsewhere[0].1.lends());
    // Held in eu: home asked once, eu asked who owns it, then logged in there.
    w.log_in(&codes, &home, &elsewhere, "+14155552604").unwrap();
    assert_eq!(lends(), (1, 2));
    // New everywhere: made at home on the connection that found it missing.
    w.log_in(&codes, &home, &elsewhere, "+14155552605").unwrap();
    assert_eq!(lends(), (2, 3));
    // Held at home: no other region is asked.
    w.log_in(&codes, &home, &elsewhere, "+14155552605").unwrap();
    assert_eq!(lends(), (3, 3));
}
