//! The import run again after traffic moved over: a user deleted here, a user blocked here and
//! a Go token already used here must all stay as they are, whatever the source still says.

use super::{tokens, users, Names};
use crate::domain::account::Scope;
use crate::domain::secrets::{legacy_token_hash, PresentedToken, RefreshSecret, RefreshToken};
use crate::domain::session::SessionId;
use crate::ports::{
    AccountStore, DeleteOutcome, Deletion, LegacyImport, LoginAccount, NewLogin, Rotation,
    RotationOutcome, UserImport,
};

pub(super) async fn what_was_ended_here_stays_ended_when_the_import_runs_again(
    store: &(impl AccountStore + LegacyImport),
    n: &Names,
) {
    // Users 1 (to be deleted), 2 (to be blocked), 3 (whose token is used) and 4 (the admin).
    let batch = [n.user(1, 1), n.user(2, 2), n.user(3, 3), n.user(4, 4)];
    let go_tokens = [
        n.token(1, 1, 1, 1),
        n.token(2, 2, 2, 2),
        n.token(3, 3, 3, 3),
    ];
    users(store, n, &batch).await;
    tokens(store, n, &go_tokens).await;
    let admin = n.id(4);
    let deleted = store
        .delete_account(&n.id(1), Deletion::ByAdmin(&admin))
        .await
        .unwrap();
    assert!(
        matches!(deleted, DeleteOutcome::Deleted { .. }),
        "{deleted:?}"
    );
    let blocked = store.set_blocked_by(&n.id(2), true, &admin).await.unwrap();
    assert!(blocked.is_some(), "user 2 is blocked");
    let rotate = |user: u32, token: u32, successor: u8| {
        let presented = PresentedToken {
            user_id: n.id(user),
            hash: legacy_token_hash(&n.go_token(token)).unwrap(),
        };
        let successor = RefreshToken::for_user(&n.id(user), &RefreshSecret([successor; 32]));
        async move {
            let rotation = Rotation {
                presented: &presented,
                successor_hash: &successor.hash,
                session: None,
                successor_expires_at: n.now + 86_400,
                grace_secs: 0,
            };
            store.rotate(&rotation).await.unwrap()
        }
    };
    assert!(matches!(
        rotate(3, 3, 31).await,
        RotationOutcome::Rotated { .. }
    ));

    // The source still has all three, so the import runs again.
    assert_eq!(
        users(store, n, &batch).await,
        [
            UserImport::Deleted,
            UserImport::AlreadyImported,
            UserImport::AlreadyImported,
            UserImport::AlreadyImported
        ]
    );
    let counts = tokens(store, n, &go_tokens).await;
    assert_eq!(
        (
            counts.stored,
            counts.already,
            counts.of_blocked_user,
            counts.without_user
        ),
        (0, 1, 1, 1),
        "the used token is here already; the blocked user's and the deleted user's are skipped"
    );

    assert_eq!(
        store.find_user(&n.id(1)).await.unwrap(),
        None,
        "the deleted user is not brought back"
    );
    let login = NewLogin {
        phone: &n.phone(1),
        new_user_id: &n.id(11),
        session: &SessionId::parse(&format!("revival-{}-login-0123", n.run)).unwrap(),
        refresh_secret: &RefreshSecret([9; 32]),
        refresh_expires_at: n.now + 86_400,
        user_agent: None,
        client_ip: None,
        new_user_scope: &Scope::Unscoped,
        known_account: None,
        binding: None,
    };
    match store.login(&login).await.unwrap() {
        LoginAccount::Created(user) => assert_eq!(user.id, n.id(11)),
        other => panic!("the deleted user's number starts afresh: {other:?}"),
    }
    assert_eq!(
        rotate(2, 2, 21).await,
        RotationOutcome::Invalid,
        "the blocked user's Go token gives no session"
    );
    assert_eq!(
        rotate(3, 3, 32).await,
        RotationOutcome::Reused,
        "the used Go token is a reuse, not a fresh token"
    );
}
