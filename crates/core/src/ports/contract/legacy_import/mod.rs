//! The Go service's import: imported users log in as themselves, nothing here is overwritten or
//! revived (`revival.rs`: what this service ended stays ended when the import runs again),
//! an imported token refreshes once through the hash lookup, and batches keep their
//! checkpoint. Each scenario on phones and ids of its own, like the account store's contract.

mod names;
mod revival;

use names::{tokens, users, Names};

use crate::domain::account::Scope;
use crate::domain::secrets::{legacy_token_hash, PresentedToken, RefreshSecret, RefreshToken};
use crate::domain::session::SessionId;
use crate::ports::{
    AccountStore, ImportPhase, LegacyImport, LoginAccount, NewLogin, Rotation, RotationOutcome,
    UnixSeconds, UserImport,
};

/// Runs every scenario of the import's contract on `store`; `run` (0-99) and `now` as in
/// `account_store`.
pub async fn legacy_import<S: AccountStore + LegacyImport>(store: &S, run: u32, now: UnixSeconds) {
    let names = |k: u32| Names {
        run: run * 10 + k,
        now,
    };
    imported_users_log_in_as_themselves(store, &names(1)).await;
    nothing_here_is_overwritten(store, &names(2)).await;
    an_imported_token_refreshes_once_through_its_hash(store, &names(3)).await;
    tokens_go_only_to_their_own_user(store, &names(4)).await;
    batches_keep_their_checkpoint(store, &names(5)).await;
    revival::what_was_ended_here_stays_ended_when_the_import_runs_again(store, &names(6)).await;
}

async fn imported_users_log_in_as_themselves(
    store: &(impl AccountStore + LegacyImport),
    n: &Names,
) {
    let batch = [n.user(1, 1), n.user(2, 2)];
    assert_eq!(users(store, n, &batch).await, [UserImport::Created; 2]);
    assert_eq!(
        users(store, n, &batch).await,
        [UserImport::AlreadyImported; 2],
        "a batch written again changes nothing"
    );
    let user = store.find_user(&n.id(1)).await.unwrap().expect("imported");
    assert_eq!(
        (
            user.phone.as_str(),
            user.scope.as_str(),
            user.created_at,
            user.updated_at
        ),
        (
            n.phone(1).as_e164(),
            "admin",
            n.now - 86_400 * 30,
            n.now - 86_400
        )
    );
    // The phone's login finds the imported account: the would-be id is not used.
    let login = NewLogin {
        phone: &n.phone(2),
        new_user_id: &n.id(50),
        session: &SessionId::parse(&format!("import-{}-login-0123", n.run)).unwrap(),
        refresh_secret: &RefreshSecret([4; 32]),
        refresh_expires_at: n.now + 86_400,
        user_agent: None,
        client_ip: None,
        new_user_scope: &Scope::Unscoped,
        known_account: None,
        binding: None,
    };
    match store.login(&login).await.unwrap() {
        LoginAccount::Found(found) => assert_eq!(found.id, n.id(2)),
        other => panic!("an imported user logs in as themselves: {other:?}"),
    }
}

async fn nothing_here_is_overwritten(store: &(impl AccountStore + LegacyImport), n: &Names) {
    // Someone logged in here with phone 1 before the import.
    let login = NewLogin {
        phone: &n.phone(1),
        new_user_id: &n.id(9),
        session: &SessionId::parse(&format!("import-{}-early-0123", n.run)).unwrap(),
        refresh_secret: &RefreshSecret([5; 32]),
        refresh_expires_at: n.now + 86_400,
        user_agent: None,
        client_ip: None,
        new_user_scope: &Scope::Unscoped,
        known_account: None,
        binding: None,
    };
    store.login(&login).await.unwrap();
    let batch = [
        n.user(1, 1), // phone taken by the early login
        n.user(2, 2),
        n.user(3, 2), // the same number twice in the source
        n.user(9, 3), // the early login's id, with another phone
    ];
    assert_eq!(
        users(store, n, &batch).await,
        [
            UserImport::PhoneTaken,
            UserImport::Created,
            UserImport::PhoneTaken,
            UserImport::IdTaken
        ]
    );
    let early = store.find_user(&n.id(9)).await.unwrap().unwrap();
    assert_eq!(
        (early.phone.as_str(), early.scope.as_str()),
        (n.phone(1).as_e164(), ""),
        "the account made here keeps its phone and scope"
    );
    assert_eq!(store.find_user(&n.id(1)).await.unwrap(), None);
    assert_eq!(store.find_user(&n.id(3)).await.unwrap(), None);
}

async fn an_imported_token_refreshes_once_through_its_hash(
    store: &(impl AccountStore + LegacyImport),
    n: &Names,
) {
    users(store, n, &[n.user(1, 1)]).await;
    let imported = n.token(1, 1, 1, 1);
    let counts = tokens(store, n, std::slice::from_ref(&imported)).await;
    assert_eq!(
        (counts.stored, counts.already, counts.without_user),
        (1, 0, 0)
    );
    let hash = legacy_token_hash(&n.go_token(1)).unwrap();
    assert_eq!(
        store.legacy_token_owner(&hash).await.unwrap(),
        Some(n.id(1))
    );
    let never = legacy_token_hash(&n.go_token(2)).unwrap();
    assert_eq!(store.legacy_token_owner(&never).await.unwrap(), None);

    let presented = PresentedToken {
        user_id: n.id(1),
        hash,
    };
    let successor = RefreshToken::for_user(&n.id(1), &RefreshSecret([6; 32]));
    let rotation = Rotation {
        presented: &presented,
        successor_hash: &successor.hash,
        session: Some(&n.go_session(1)),
        successor_expires_at: n.now + 86_400 * 30,
        grace_secs: 0,
    };
    match store.rotate(&rotation).await.unwrap() {
        RotationOutcome::Rotated {
            user,
            session,
            expires_at,
        } => {
            assert_eq!((user.id, session), (n.id(1), n.go_session(1)));
            assert_eq!(
                expires_at, imported.expires_at,
                "capped at the session's end"
            );
        }
        other => panic!("an imported token rotates: {other:?}"),
    }
    let again = Rotation {
        successor_hash: &RefreshToken::for_user(&n.id(1), &RefreshSecret([7; 32])).hash,
        ..rotation
    };
    assert_eq!(store.rotate(&again).await.unwrap(), RotationOutcome::Reused);
    // Imported again, the used token is not revived.
    let counts = tokens(store, n, &[imported]).await;
    assert_eq!((counts.stored, counts.already), (0, 1));
    let third = Rotation {
        successor_hash: &RefreshToken::for_user(&n.id(1), &RefreshSecret([8; 32])).hash,
        ..again
    };
    assert_eq!(
        store.rotate(&third).await.unwrap(),
        RotationOutcome::Invalid
    );
}

async fn tokens_go_only_to_their_own_user(store: &(impl AccountStore + LegacyImport), n: &Names) {
    users(store, n, &[n.user(1, 1), n.user(2, 2)]).await;
    let batch = [
        n.token(1, 1, 1, 1),
        n.token(1, 1, 2, 1), // a second live token of one Go session
        n.token(2, 3, 3, 2), // the source says user 2 had another phone
        n.token(7, 7, 4, 3), // a user that was not imported
    ];
    let counts = tokens(store, n, &batch).await;
    assert_eq!(
        (counts.stored, counts.already, counts.without_user),
        (2, 0, 2)
    );
    for (token, owner) in [(2, Some(n.id(1))), (3, None), (4, None)] {
        let hash = legacy_token_hash(&n.go_token(token)).unwrap();
        assert_eq!(
            store.legacy_token_owner(&hash).await.unwrap(),
            owner,
            "token {token}"
        );
    }
}

async fn batches_keep_their_checkpoint(store: &(impl AccountStore + LegacyImport), n: &Names) {
    let source = n.source();
    assert_eq!(
        store.checkpoint(&source, ImportPhase::Users).await.unwrap(),
        None
    );
    users(store, n, &[n.user(1, 1), n.user(2, 2)]).await;
    let last = n.id(2).as_str().to_owned();
    assert_eq!(
        store.checkpoint(&source, ImportPhase::Users).await.unwrap(),
        Some(last)
    );
    assert_eq!(
        store
            .checkpoint(&source, ImportPhase::Tokens)
            .await
            .unwrap(),
        None
    );
    let other = format!("{source}-elsewhere");
    assert_eq!(
        store.checkpoint(&other, ImportPhase::Users).await.unwrap(),
        None
    );
    tokens(store, n, &[n.token(1, 1, 1, 1)]).await;
    store.finish(&source).await.unwrap();
    for phase in [ImportPhase::Users, ImportPhase::Tokens] {
        assert_eq!(
            store.checkpoint(&source, phase).await.unwrap(),
            None,
            "{phase:?}"
        );
    }
}
