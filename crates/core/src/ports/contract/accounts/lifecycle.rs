//! The account store's contract for an account's life after its first login: a number change
//! moves it and frees the old number; a block refuses logins and ends every session until the
//! unblock; a deletion leaves nothing of the user that works, and the number's next login is a
//! new user. Phones 61-79 of their names.

use super::{rotate, Names};
use crate::domain::account::Scope;
use crate::domain::secrets::RefreshSecret;
use crate::ports::{
    AccountStore, DeleteOutcome, Deletion, LoginAccount, NewLogin, PhoneChange, PhoneChangeOutcome,
    RotationOutcome,
};

pub(super) async fn a_blocked_user_gets_no_session_until_unblocked(
    store: &impl AccountStore,
    n: &Names,
) {
    let user = n.login(store, 61, 61, 61).await.into_user();
    let admin = n.login(store, 62, 62, 62).await.into_user();
    let change = store
        .set_blocked_by(&user.id, true, &admin.id)
        .await
        .unwrap();
    let change = change.expect("the user exists");
    assert_eq!((&change.user.id, change.sessions_ended), (&user.id, 1));
    assert_eq!(
        store
            .user_of_session(&user.id, &n.session(61))
            .await
            .unwrap(),
        None
    );
    assert_eq!(
        rotate(store, n, &user.id, 61, 161, None, 0).await,
        RotationOutcome::Invalid,
        "a blocked user's refresh tokens are revoked"
    );

    let refused = n.login(store, 61, 63, 63).await;
    assert!(
        matches!(&refused, LoginAccount::Blocked(u) if u.id == user.id),
        "{refused:?}"
    );
    assert_eq!(
        store
            .user_of_session(&user.id, &n.session(63))
            .await
            .unwrap(),
        None,
        "a refused login starts no session"
    );
    let again = store
        .set_blocked_by(&user.id, true, &admin.id)
        .await
        .unwrap();
    assert_eq!(again.map(|c| c.sessions_ended), Some(0));
    assert!(
        store
            .user_of_session(&admin.id, &n.session(62))
            .await
            .unwrap()
            .is_some(),
        "nobody else's sessions end"
    );

    let unblocked = store
        .set_blocked_by(&user.id, false, &admin.id)
        .await
        .unwrap();
    assert_eq!(unblocked.map(|c| c.sessions_ended), Some(0));
    let back = n.login(store, 61, 64, 64).await;
    assert_eq!(back, LoginAccount::Found(back.user().clone()));
    assert_eq!(back.user().id, user.id);
    assert!(store
        .user_of_session(&user.id, &n.session(64))
        .await
        .unwrap()
        .is_some());
    let nobody = n.id(69);
    assert_eq!(
        store
            .set_blocked_by(&nobody, true, &admin.id)
            .await
            .unwrap(),
        None
    );
}

pub(super) async fn a_deleted_user_is_gone_and_its_number_starts_afresh(
    store: &impl AccountStore,
    n: &Names,
) {
    let user = n.login(store, 65, 65, 65).await.into_user();
    let other = n.login(store, 66, 66, 66).await.into_user();
    let owner = async |phone: u32| store.phone_owner(&n.phone(phone)).await.unwrap();
    assert_eq!(owner(65).await, Some(user.id.clone()), "the number's claim");
    assert_eq!(owner(79).await, None, "a number nobody logged in with");
    let own = Deletion::Own {
        session: &n.session(65),
        max_auth_age_secs: 600,
    };
    assert_eq!(
        store.delete_account(&user.id, own).await.unwrap(),
        DeleteOutcome::Deleted { freed: n.phone(65) },
        "the deletion names the number it freed"
    );
    assert_eq!(
        store
            .user_of_session(&user.id, &n.session(65))
            .await
            .unwrap(),
        None
    );
    assert_eq!(store.find_user(&user.id).await.unwrap(), None);
    assert_eq!(owner(65).await, None, "the number is free");
    assert_eq!(
        rotate(store, n, &user.id, 65, 165, None, 0).await,
        RotationOutcome::Invalid
    );
    assert_eq!(
        store.delete_account(&user.id, own).await.unwrap(),
        DeleteOutcome::SessionGone
    );
    let by_admin = Deletion::ByAdmin(&other.id);
    assert_eq!(
        store.delete_account(&user.id, by_admin).await.unwrap(),
        DeleteOutcome::NoSuchUser
    );

    // The number's next login makes a new user, under the id that login proposes.
    let fresh = n.id(67);
    let relogin = NewLogin {
        phone: &n.phone(65),
        new_user_id: &fresh,
        session: &n.session(67),
        refresh_secret: &RefreshSecret([67; 32]),
        refresh_expires_at: n.expires,
        user_agent: None,
        client_ip: None,
        new_user_scope: &Scope::Unscoped,
        known_account: None,
        binding: None,
    };
    let next = store.login(&relogin).await.unwrap();
    assert!(
        matches!(&next, LoginAccount::Created(u) if u.id == fresh),
        "{next:?}"
    );
    assert_eq!(owner(65).await, Some(fresh.clone()));

    // A superadmin's deletion, and the deleted id never comes back, whatever a login proposes.
    let admin = Deletion::ByAdmin(&fresh);
    assert_eq!(
        store.delete_account(&other.id, admin).await.unwrap(),
        DeleteOutcome::Deleted { freed: n.phone(66) }
    );
    let revive = NewLogin {
        phone: &n.phone(66),
        new_user_id: &other.id,
        session: &n.session(68),
        ..relogin
    };
    let refused = store.login(&revive).await;
    assert!(
        !matches!(&refused, Ok(account) if account.user().id == other.id),
        "a deleted id is never revived: {refused:?}"
    );
    let relogin = NewLogin {
        new_user_id: &n.id(68),
        ..revive
    };
    let next = store.login(&relogin).await.unwrap();
    assert!(
        matches!(&next, LoginAccount::Created(u) if u.id == n.id(68)),
        "{next:?}"
    );
}

pub(super) async fn a_user_moves_to_a_new_number_and_the_old_one_is_free(
    store: &impl AccountStore,
    n: &Names,
) {
    let user = n.login(store, 71, 71, 71).await.into_user();
    n.login(store, 71, 72, 72).await;
    let other = n.login(store, 73, 73, 73).await.into_user();
    let change = async |phone: u32, session: u32, revoke| {
        let change = PhoneChange {
            user: &user.id,
            session: &n.session(session),
            new_phone: &n.phone(phone),
            revoke_other_sessions: revoke,
            max_auth_age_secs: 600,
        };
        store.change_phone(&change).await.unwrap()
    };
    let to_taken = change(73, 71, false).await;
    assert_eq!(to_taken, PhoneChangeOutcome::PhoneTaken);
    assert_eq!(
        store.find_user(&user.id).await.unwrap().unwrap().phone,
        n.phone(71).as_e164()
    );
    assert_eq!(
        store.find_user(&other.id).await.unwrap().unwrap().phone,
        n.phone(73).as_e164()
    );

    let moved = change(74, 71, false).await;
    let PhoneChangeOutcome::Changed {
        user: moved,
        previous,
    } = moved
    else {
        panic!("the change is made: {moved:?}");
    };
    assert_eq!(previous, n.phone(71), "the number it left");
    assert_eq!(
        (&moved.id, moved.phone.as_str()),
        (&user.id, n.phone(74).as_e164())
    );
    assert!(
        store
            .user_of_session(&user.id, &n.session(72))
            .await
            .unwrap()
            .is_some(),
        "kept"
    );
    let found = n.login(store, 74, 75, 75).await;
    assert_eq!(
        found.user().id,
        user.id,
        "the new number logs in to the account"
    );
    let fresh = NewLogin {
        phone: &n.phone(71),
        new_user_id: &n.id(76),
        session: &n.session(76),
        refresh_secret: &RefreshSecret([76; 32]),
        refresh_expires_at: n.expires,
        user_agent: None,
        client_ip: None,
        new_user_scope: &Scope::Unscoped,
        known_account: None,
        binding: None,
    };
    let reused = store.login(&fresh).await.unwrap();
    assert!(
        matches!(&reused, LoginAccount::Created(u) if u.id == n.id(76)),
        "{reused:?}"
    );

    // Ending the other sessions keeps the caller's.
    let again = change(77, 75, true).await;
    assert!(
        matches!(again, PhoneChangeOutcome::Changed { .. }),
        "{again:?}"
    );
    for (session, live) in [(71, false), (72, false), (75, true)] {
        let found = store
            .user_of_session(&user.id, &n.session(session))
            .await
            .unwrap();
        assert_eq!(found.is_some(), live, "session {session}");
    }
    let gone = change(78, 71, false).await;
    assert_eq!(gone, PhoneChangeOutcome::SessionGone);
    assert_eq!(
        store.find_user(&user.id).await.unwrap().unwrap().phone,
        n.phone(77).as_e164()
    );
}
