//! The account store's contract, continued: what a bearer reads and revokes of its sessions,
//! and what an administrator finds in the users list.

use super::{rotate, Names};
use crate::domain::account::{Scope, UserId};
use crate::domain::admin::{Rules, UserQuery};
use crate::ports::{AccountStore, RevokeOutcome, RotationOutcome, User};

pub(super) async fn sessions_are_listed_and_revoked_by_a_live_caller(
    store: &impl AccountStore,
    n: &Names,
) {
    let user = n.login(store, 1, 1, 1).await.into_user();
    n.login(store, 1, 2, 2).await;
    let listed = store
        .sessions(&user.id, &n.session(1))
        .await
        .unwrap()
        .expect("a live caller");
    let mut ids: Vec<&str> = listed.iter().map(|s| s.id.as_str()).collect();
    ids.sort_unstable();
    assert_eq!(ids, [n.session(1).as_str(), n.session(2).as_str()]);
    assert!(listed.iter().all(|s| s.expires_at == n.expires));
    let revoke = |caller: u32, target: u32| {
        let (id, caller, target) = (user.id.clone(), n.session(caller), n.session(target));
        async move { store.revoke_session(&id, &caller, &target).await.unwrap() }
    };
    assert_eq!(revoke(1, 7).await, RevokeOutcome::NotFound);
    assert_eq!(revoke(1, 2).await, RevokeOutcome::Revoked);
    assert_eq!(
        revoke(1, 2).await,
        RevokeOutcome::NotFound,
        "already revoked"
    );
    assert_eq!(revoke(2, 1).await, RevokeOutcome::Unauthenticated);
    assert_eq!(store.sessions(&user.id, &n.session(2)).await.unwrap(), None);
    let left = store
        .sessions(&user.id, &n.session(1))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(left.len(), 1);
    assert_eq!(
        rotate(store, n, &user.id, 2, 3, None, 0).await,
        RotationOutcome::Invalid
    );
}

pub(super) async fn a_caller_revokes_its_own_session(store: &impl AccountStore, n: &Names) {
    let user = n.login(store, 1, 1, 1).await.into_user();
    assert_eq!(
        store
            .revoke_session(&user.id, &n.session(1), &n.session(1))
            .await
            .unwrap(),
        RevokeOutcome::Revoked
    );
    assert_eq!(
        store
            .user_of_session(&user.id, &n.session(1))
            .await
            .unwrap(),
        None
    );
    assert_eq!(
        rotate(store, n, &user.id, 1, 2, None, 0).await,
        RotationOutcome::Invalid,
        "its refresh token went with it"
    );
    assert_eq!(
        store
            .revoke_session(&user.id, &n.session(1), &n.session(1))
            .await
            .unwrap(),
        RevokeOutcome::Unauthenticated
    );
}

pub(super) async fn users_are_listed_by_phone_prefix_or_anywhere(
    store: &impl AccountStore,
    n: &Names,
) {
    let mut made: Vec<User> = Vec::new();
    for phone in 1..=3 {
        made.push(n.login(store, phone, phone, phone as u8).await.into_user());
    }
    assert_eq!(
        store.find_user(&made[1].id).await.unwrap().as_ref(),
        Some(&made[1])
    );
    let first = n.phone(1);
    let prefix = &first.as_e164()[..10];
    let query = |pairs: &[(&str, &str)]| {
        let mut all = vec![("search_phone", prefix)];
        all.extend_from_slice(pairs);
        UserQuery::parse(all).unwrap()
    };
    let page = store.list_users(&query(&[("limit", "2")])).await.unwrap();
    assert_eq!(page.total, 3);
    assert_eq!(page.users.len(), 2);
    let rest = store
        .list_users(&query(&[("limit", "2"), ("page", "2")]))
        .await
        .unwrap();
    assert_eq!(rest.users.len(), 1);
    let mut seen: Vec<&UserId> = page
        .users
        .iter()
        .chain(&rest.users)
        .map(|u| &u.id)
        .collect();
    seen.sort();
    let mut expected: Vec<&UserId> = made.iter().map(|u| &u.id).collect();
    expected.sort();
    assert_eq!(seen, expected, "the pages cover every match once");

    // Anywhere in the number (the otp-auth-v1 profile), and only there.
    let second = made[1].phone.as_str();
    let tail = &second[second.len() - 5..];
    let anywhere = UserQuery::parse_with([("search_phone", tail)], Rules::GO_SERVICE).unwrap();
    let found = store.list_users(&anywhere).await.unwrap();
    assert!(found.users.iter().any(|u| u.id == made[1].id), "{found:?}");
    assert!(found.users.iter().all(|u| u.phone.contains(tail)));
    let as_prefix = UserQuery::parse([("search_phone", tail)]).unwrap();
    assert_eq!(store.list_users(&as_prefix).await.unwrap().total, 0);
}

pub(super) async fn an_admin_sets_a_scope_and_reads_a_users_sessions(
    store: &impl AccountStore,
    n: &Names,
) {
    let user = n.login(store, 5, 51, 51).await.into_user();
    n.login(store, 5, 52, 52).await;
    let admin = n.id(59);
    let listed = store.user_sessions(&user.id, &admin).await.unwrap();
    let mut ids: Vec<&str> = listed.iter().map(|s| s.id.as_str()).collect();
    ids.sort_unstable();
    assert_eq!(ids, [n.session(51).as_str(), n.session(52).as_str()]);
    assert_eq!(
        store
            .revoke_session(&user.id, &n.session(51), &n.session(52))
            .await
            .unwrap(),
        RevokeOutcome::Revoked
    );
    let left = store.user_sessions(&user.id, &admin).await.unwrap();
    assert_eq!(left.len(), 1, "a revoked session is not listed");
    assert_eq!(left[0].id, n.session(51));
    assert!(store
        .user_sessions(&n.id(77), &admin)
        .await
        .unwrap()
        .is_empty());

    let scoped = Scope::parse("admin").unwrap();
    let changed = store
        .set_scope_by(&user.id, &scoped, &admin)
        .await
        .unwrap()
        .expect("the user exists");
    assert_eq!(
        (changed.id.clone(), changed.scope.clone()),
        (user.id.clone(), scoped)
    );
    assert_eq!(store.find_user(&user.id).await.unwrap(), Some(changed));
    let nobody = store
        .set_scope_by(&n.id(77), &Scope::Superadmin, &admin)
        .await
        .unwrap();
    assert_eq!(nobody, None);
}
