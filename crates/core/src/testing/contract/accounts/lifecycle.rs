//! The account store's contract for the end of an account's life: a block refuses logins and
//! ends every session until the unblock; a deletion leaves nothing of the user that works,
//! and the number's next login is a new user. Phones 61-69 of their names.

use super::{rotate, Names};
use crate::account::Scope;
use crate::ports::{
    AccountStore, DeleteOutcome, Deletion, LoginAccount, NewLogin, RotationOutcome,
};
use crate::secrets::RefreshSecret;

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
    assert_eq!(store.profile(&user.id, &n.session(61)).await.unwrap(), None);
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
        store.profile(&user.id, &n.session(63)).await.unwrap(),
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
            .profile(&admin.id, &n.session(62))
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
        .profile(&user.id, &n.session(64))
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
    let own = Deletion::Own {
        session: &n.session(65),
        max_auth_age_secs: 600,
    };
    assert_eq!(
        store.delete_account(&user.id, own).await.unwrap(),
        DeleteOutcome::Deleted
    );
    assert_eq!(store.profile(&user.id, &n.session(65)).await.unwrap(), None);
    assert_eq!(store.find_user(&user.id).await.unwrap(), None);
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
    };
    let next = store.login(&relogin).await.unwrap();
    assert!(
        matches!(&next, LoginAccount::Created(u) if u.id == fresh),
        "{next:?}"
    );

    // A superadmin's deletion, and the deleted id never comes back, whatever a login proposes.
    let admin = Deletion::ByAdmin(&fresh);
    assert_eq!(
        store.delete_account(&other.id, admin).await.unwrap(),
        DeleteOutcome::Deleted
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
