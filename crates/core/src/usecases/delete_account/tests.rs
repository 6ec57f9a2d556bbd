//! A user's own deletion over the in-memory store: only from a live, recent session.

use super::*;
use crate::domain::account::Scope;
use crate::domain::phone::PhoneNumber;
use crate::domain::secrets::RefreshSecret;
use crate::ports::{LoginAccount, NewLogin};
use crate::testing::{FixedClock, InMemoryAccounts};
use futures::executor::block_on;

const PHONE: &str = "+14155552931";

fn log_in(accounts: &impl AccountStore, n: u8) -> (LoginAccount, SessionId) {
    let id = UserId::parse(&format!("3e5d7c1a-0b2f-4c6d-9e8f-{n:012}")).unwrap();
    let session = SessionId::parse(&format!("delete-session-{n}-0123456789")).unwrap();
    let login = NewLogin {
        phone: &PhoneNumber::parse(PHONE, None).unwrap(),
        new_user_id: &id,
        session: &session,
        refresh_secret: &RefreshSecret([n; 32]),
        refresh_expires_at: 1_900_086_400,
        user_agent: Some("test agent"),
        client_ip: Some("198.51.100.7"),
        new_user_scope: &Scope::Unscoped,
        known_account: None,
        binding: None,
    };
    (block_on(accounts.login(&login)).unwrap(), session)
}

#[test]
fn a_user_deletes_their_account_from_a_recent_session_and_the_number_starts_afresh() {
    let clock = FixedClock::at(1_900_000_000);
    let accounts = InMemoryAccounts::new(&clock);
    let (account, session) = log_in(&accounts, 1);
    let user = account.into_user().id;

    clock.advance(601);
    let stale = block_on(delete_own_account(&accounts, &user, &session, 600)).unwrap_err();
    assert_eq!(stale, DeleteAccountError::NotRecent(600));
    let body = stale.problem().body;
    assert_eq!(
        (body.http_status(), body.code),
        (403, ErrorCode::ReauthenticationRequired)
    );
    assert!(
        block_on(accounts.user_of_session(&user, &session))
            .unwrap()
            .is_some(),
        "nothing changed"
    );

    // A fresh login of the same number is a recent authentication.
    let (again, fresh) = log_in(&accounts, 2);
    assert_eq!(again, LoginAccount::Found(again.user().clone()));
    assert_eq!(
        block_on(delete_own_account(&accounts, &user, &fresh, 600)),
        Ok(PhoneNumber::parse(PHONE, None).unwrap()),
        "the answer is the number the account freed"
    );
    assert!(block_on(accounts.user_of_session(&user, &session))
        .unwrap()
        .is_none());
    assert!(block_on(accounts.find_user(&user)).unwrap().is_none());
    let gone = block_on(delete_own_account(&accounts, &user, &fresh, 600)).unwrap_err();
    assert_eq!(gone, DeleteAccountError::SessionGone);
    assert_eq!(gone.problem().body.http_status(), 401);

    let (next, _) = log_in(&accounts, 3);
    let LoginAccount::Created(new_user) = next else {
        panic!("a later login with the number is a new user: {next:?}");
    };
    assert_ne!(new_user.id, user);
}
