//! The account store's contract for a login that brings a hint (`NewLogin::known_account`,
//! the account the OTP store remembers for the number): the login reaches the account the
//! phone's claim names, whatever the hint says. A store may use a hint or ignore it; one that
//! uses it MUST NOT let a stale or foreign one sign in, create or revive another account.
//! Phones 81-90 (and the id of 95) of their names.

use super::{rotate, Names};
use crate::domain::account::{Scope, UserId};
use crate::domain::secrets::RefreshSecret;
use crate::ports::{
    AccountStore, DeleteOutcome, Deletion, LoginAccount, NewLogin, PhoneChange, PhoneChangeOutcome,
    RotationOutcome,
};

/// The account `phone`'s login with `hint` reaches, as created or found, with the login's
/// session `session` (and the id `n.id(session)` for a user it creates).
async fn login_with(
    store: &impl AccountStore,
    n: &Names,
    phone: u32,
    session: u32,
    hint: &UserId,
) -> (UserId, bool) {
    let login = NewLogin {
        phone: &n.phone(phone),
        new_user_id: &n.id(session),
        session: &n.session(session),
        refresh_secret: &RefreshSecret([session as u8; 32]),
        refresh_expires_at: n.expires,
        user_agent: None,
        client_ip: None,
        new_user_scope: &Scope::Unscoped,
        known_account: Some(hint),
        binding: None,
    };
    match store.login(&login).await.expect("the store answers") {
        LoginAccount::Created(user) => (user.id, true),
        LoginAccount::Found(user) => (user.id, false),
        blocked => panic!("nobody here is blocked: {blocked:?}"),
    }
}

pub(super) async fn a_remembered_account_never_changes_whom_a_login_reaches(
    store: &impl AccountStore,
    n: &Names,
) {
    let a = n.login(store, 81, 81, 81).await.into_user();
    let b = n.login(store, 82, 82, 82).await.into_user();

    // The right hint: the number's account, with a session whose token works.
    assert_eq!(
        login_with(store, n, 81, 83, &a.id).await,
        (a.id.clone(), false)
    );
    assert!(
        matches!(
            rotate(store, n, &a.id, 83, 183, None, 0).await,
            RotationOutcome::Rotated { .. }
        ),
        "the hinted login's session is live"
    );

    // Another live user's id: still the number's own account, and nothing for the other.
    assert_eq!(
        login_with(store, n, 81, 84, &b.id).await,
        (a.id.clone(), false)
    );
    let foreign = store.user_of_session(&b.id, &n.session(84)).await.unwrap();
    assert_eq!(foreign, None, "a foreign hint gives its user no session");

    // An id no user has: the number's own account, and no user made under that id.
    assert_eq!(
        login_with(store, n, 81, 85, &n.id(95)).await,
        (a.id.clone(), false)
    );
    assert_eq!(store.find_user(&n.id(95)).await.unwrap(), None);

    // A number nobody logged in with: a new user under the login's id, not the hint's.
    assert_eq!(login_with(store, n, 86, 86, &a.id).await, (n.id(86), true));
    let a_now = store.find_user(&a.id).await.unwrap().expect("a is live");
    assert_eq!(
        a_now.phone,
        n.phone(81).as_e164(),
        "the hinted user keeps its number"
    );

    // A deleted user's id: the number starts afresh, the deleted id stays deleted.
    let own = Deletion::Own {
        session: &n.session(82),
        max_auth_age_secs: 600,
    };
    assert_eq!(
        store.delete_account(&b.id, own).await.unwrap(),
        DeleteOutcome::Deleted { freed: n.phone(82) }
    );
    assert_eq!(login_with(store, n, 82, 87, &b.id).await, (n.id(87), true));
    assert_eq!(store.find_user(&b.id).await.unwrap(), None);

    // A user who moved: the old number is a new account, the new one reaches the user.
    let change = PhoneChange {
        user: &a.id,
        session: &n.session(81),
        new_phone: &n.phone(88),
        revoke_other_sessions: false,
        max_auth_age_secs: 600,
    };
    let moved = store.change_phone(&change).await.unwrap();
    assert!(
        matches!(moved, PhoneChangeOutcome::Changed { .. }),
        "{moved:?}"
    );
    assert_eq!(login_with(store, n, 81, 89, &a.id).await, (n.id(89), true));
    assert_eq!(
        login_with(store, n, 88, 90, &a.id).await,
        (a.id.clone(), false)
    );
}
