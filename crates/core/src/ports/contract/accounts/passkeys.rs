//! The account store's contract for passkeys: registered from a live session, counted and
//! refused past the limit, used to sign in with a sign count that only moves forward, refused
//! for a blocked user, listed and removed by their own user only, and gone with the account.
//! Phones 41-49 of their names.

use super::Names;
use crate::domain::account::{User, UserId};
use crate::domain::passkey::{CredentialId, PasskeyName};
use crate::domain::session::SessionId;
use crate::ports::{
    AccountStore, DeleteOutcome, Deletion, NewPasskey, PasskeyAdded, PasskeyRemoval, PasskeySignIn,
    PasskeySignInOutcome, PasskeyStore, StoredKey,
};
use sha2::{Digest, Sha256};

fn credential(n: u8) -> CredentialId {
    CredentialId::from_bytes(&[n; 16]).unwrap()
}

async fn add(
    store: &impl PasskeyStore,
    user: &UserId,
    session: &SessionId,
    n: u8,
    max_passkeys: u32,
) -> PasskeyAdded {
    let name = PasskeyName::parse(&format!("key {n}")).unwrap();
    let passkey = NewPasskey {
        user,
        session,
        max_auth_age_secs: 600,
        credential: &credential(n),
        public_key: &[0xa5, n],
        algorithm: -7,
        sign_count: u32::from(n),
        transports: &["internal".to_owned(), "hybrid".to_owned()],
        name: &name,
        max_passkeys,
    };
    store
        .add_passkey(&passkey)
        .await
        .expect("the store answers")
}

async fn sign_in(
    store: &impl PasskeyStore,
    user: &UserId,
    n: &Names,
    key: u8,
    count: u32,
    session: u32,
) -> PasskeySignInOutcome {
    let session = n.session(session);
    // Unique to the session, which is unique to this run: the store keys tokens by hash.
    let refresh_hash: [u8; 32] = Sha256::digest(session.as_str().as_bytes()).into();
    let sign_in = PasskeySignIn {
        user,
        credential: &credential(key),
        sign_count: count,
        session: &session,
        refresh_hash: &refresh_hash,
        refresh_expires_at: n.expires,
        user_agent: Some("contract/1.0"),
        client_ip: Some("192.0.2.1"),
    };
    store
        .sign_in_with_passkey(&sign_in)
        .await
        .expect("the store answers")
}

pub(super) async fn a_passkey_is_registered_listed_and_removed_by_its_user_only<S>(
    store: &S,
    n: &Names,
) where
    S: AccountStore + PasskeyStore,
{
    let user = n.login(store, 41, 41, 41).await.into_user();
    let other = n.login(store, 42, 42, 42).await.into_user();
    let (mine, theirs) = (n.session(41), n.session(42));
    let PasskeyAdded::Added(first) = add(store, &user.id, &mine, 1, 3).await else {
        panic!("a live, recent session registers a passkey");
    };
    assert_eq!(
        (
            first.credential.clone(),
            first.name.as_str(),
            first.last_used_at
        ),
        (credential(1), "key 1", None)
    );
    assert_eq!(first.transports, ["internal", "hybrid"]);
    assert_eq!(
        add(store, &user.id, &mine, 1, 3).await,
        PasskeyAdded::AlreadyRegistered
    );
    // Another user may hold the same credential id: ids are the authenticator's, and each
    // user's are looked up under that user only.
    assert!(matches!(
        add(store, &other.id, &theirs, 1, 3).await,
        PasskeyAdded::Added(_)
    ));
    assert_eq!(
        add(store, &user.id, &n.session(49), 2, 3).await,
        PasskeyAdded::SessionGone,
        "a session the user never had"
    );
    assert!(matches!(
        add(store, &user.id, &mine, 2, 3).await,
        PasskeyAdded::Added(_)
    ));
    assert!(matches!(
        add(store, &user.id, &mine, 3, 3).await,
        PasskeyAdded::Added(_)
    ));
    assert_eq!(
        add(store, &user.id, &mine, 4, 3).await,
        PasskeyAdded::TooMany
    );

    let list = store.passkeys(&user.id, &mine).await.unwrap().unwrap();
    assert_eq!(
        list.phone, user.phone,
        "the number names the passkey's user"
    );
    let listed = list.passkeys;
    let ids: Vec<CredentialId> = listed.iter().map(|p| p.credential.clone()).collect();
    assert_eq!(
        ids,
        [credential(1), credential(2), credential(3)],
        "oldest first"
    );
    assert_eq!(listed[0], first);
    assert_eq!(
        store.passkeys(&user.id, &n.session(49)).await.unwrap(),
        None,
        "not for a session that is not live"
    );
    let none_yet = n.login(store, 43, 43, 43).await.into_user();
    assert_eq!(
        store
            .passkeys(&none_yet.id, &n.session(43))
            .await
            .unwrap()
            .map(|list| list.passkeys),
        Some(vec![]),
        "a live session without passkeys lists none"
    );
    assert_eq!(
        store.passkey_key(&user.id, &credential(2)).await.unwrap(),
        Some(StoredKey {
            public_key: vec![0xa5, 2],
            algorithm: -7
        })
    );

    // Only its own user removes a passkey, from a live session.
    assert_eq!(
        store
            .remove_passkey(&other.id, &theirs, 600, &credential(2))
            .await
            .unwrap(),
        PasskeyRemoval::NotFound
    );
    assert_eq!(
        store
            .remove_passkey(&user.id, &n.session(49), 600, &credential(2))
            .await
            .unwrap(),
        PasskeyRemoval::SessionGone
    );
    assert_eq!(
        store
            .remove_passkey(&user.id, &mine, 600, &credential(2))
            .await
            .unwrap(),
        PasskeyRemoval::Removed
    );
    assert_eq!(
        store
            .remove_passkey(&user.id, &mine, 600, &credential(2))
            .await
            .unwrap(),
        PasskeyRemoval::NotFound
    );
    assert_eq!(
        store.passkey_key(&user.id, &credential(2)).await.unwrap(),
        None
    );
    assert_eq!(
        sign_in(store, &user.id, n, 2, 100, 141).await,
        PasskeySignInOutcome::Unknown,
        "a removed passkey signs no one in"
    );
    assert!(
        matches!(
            add(store, &user.id, &mine, 4, 3).await,
            PasskeyAdded::Added(_)
        ),
        "a removal makes room"
    );
}

pub(super) async fn a_sign_in_starts_a_session_and_the_sign_count_only_moves_forward<S>(
    store: &S,
    n: &Names,
) where
    S: AccountStore + PasskeyStore,
{
    let user: User = n.login(store, 44, 44, 44).await.into_user();
    let mine = n.session(44);
    // Registered at sign count 5 (the helper registers key n at count n).
    assert!(matches!(
        add(store, &user.id, &mine, 5, 3).await,
        PasskeyAdded::Added(_)
    ));
    assert_eq!(
        sign_in(store, &user.id, n, 5, 5, 144).await,
        PasskeySignInOutcome::Rollback { stored: 5 },
        "the same count again"
    );
    assert_eq!(
        sign_in(store, &user.id, n, 5, 3, 144).await,
        PasskeySignInOutcome::Rollback { stored: 5 },
        "a count that went back"
    );
    assert_eq!(
        store
            .user_of_session(&user.id, &n.session(144))
            .await
            .unwrap(),
        None,
        "a refused sign-in starts no session"
    );
    assert_eq!(
        sign_in(store, &user.id, n, 5, 9, 145).await,
        PasskeySignInOutcome::SignedIn(user.clone())
    );
    assert_eq!(
        store
            .user_of_session(&user.id, &n.session(145))
            .await
            .unwrap(),
        Some(user.clone()),
        "the sign-in's session is live"
    );
    assert_eq!(
        sign_in(store, &user.id, n, 5, 9, 146).await,
        PasskeySignInOutcome::Rollback { stored: 9 },
        "the count moved on with the sign-in"
    );
    let listed = store
        .passkeys(&user.id, &mine)
        .await
        .unwrap()
        .unwrap()
        .passkeys;
    assert!(listed[0].last_used_at.is_some(), "{listed:?}");

    // An authenticator without a counter sends 0 every time, and that is accepted while the
    // stored count is 0 too.
    assert!(matches!(
        add(store, &user.id, &mine, 0, 3).await,
        PasskeyAdded::Added(_)
    ));
    for session in [147, 148] {
        assert_eq!(
            sign_in(store, &user.id, n, 0, 0, session).await,
            PasskeySignInOutcome::SignedIn(user.clone())
        );
    }
    // Once it counts, it must go on counting.
    assert!(matches!(
        sign_in(store, &user.id, n, 0, 1, 149).await,
        PasskeySignInOutcome::SignedIn(_)
    ));
    assert_eq!(
        sign_in(store, &user.id, n, 0, 0, 150).await,
        PasskeySignInOutcome::Rollback { stored: 1 }
    );
    // Under another user the credential id is unknown, whoever holds it.
    let other = n.login(store, 45, 45, 45).await.into_user();
    assert_eq!(
        sign_in(store, &other.id, n, 5, 50, 151).await,
        PasskeySignInOutcome::Unknown
    );
}

pub(super) async fn a_blocked_user_cannot_sign_in_and_a_deleted_ones_passkeys_are_gone<S>(
    store: &S,
    n: &Names,
) where
    S: AccountStore + PasskeyStore,
{
    let user = n.login(store, 46, 46, 46).await.into_user();
    let admin = n.login(store, 47, 47, 47).await.into_user();
    assert!(matches!(
        add(store, &user.id, &n.session(46), 7, 3).await,
        PasskeyAdded::Added(_)
    ));
    store
        .set_blocked_by(&user.id, true, &admin.id)
        .await
        .unwrap();
    let blocked = sign_in(store, &user.id, n, 7, 8, 152).await;
    assert!(
        matches!(&blocked, PasskeySignInOutcome::Blocked(u) if u.id == user.id),
        "{blocked:?}"
    );
    assert_eq!(
        store
            .user_of_session(&user.id, &n.session(152))
            .await
            .unwrap(),
        None
    );
    store
        .set_blocked_by(&user.id, false, &admin.id)
        .await
        .unwrap();
    assert!(
        matches!(
            sign_in(store, &user.id, n, 7, 8, 153).await,
            PasskeySignInOutcome::SignedIn(_)
        ),
        "unblocked, the passkey works again (the refused try moved no count)"
    );

    let deleted = store
        .delete_account(&user.id, Deletion::ByAdmin(&admin.id))
        .await
        .unwrap();
    assert!(
        matches!(deleted, DeleteOutcome::Deleted { .. }),
        "{deleted:?}"
    );
    assert_eq!(
        store.passkey_key(&user.id, &credential(7)).await.unwrap(),
        None
    );
    assert_eq!(
        sign_in(store, &user.id, n, 7, 9, 154).await,
        PasskeySignInOutcome::Unknown,
        "a deleted user's passkey signs no one in"
    );
}
