//! The Go service's import: imported users log in as themselves, nothing here is overwritten or
//! revived (`revival.rs`: what this service ended stays ended when the import runs again),
//! an imported token refreshes once through the hash lookup, and batches keep their
//! checkpoint. Each scenario on phones and ids of its own, like the account store's contract.

mod revival;

use crate::account::{Scope, UserId};
use crate::phone::PhoneNumber;
use crate::ports::{
    AccountStore, Checkpoint, ImportPhase, ImportedToken, ImportedUser, LegacyImport, LoginAccount,
    NewLogin, Rotation, RotationOutcome, TokensImported, UnixSeconds, UserImport,
};
use crate::secrets::{legacy_token_hash, PresentedToken, RefreshSecret, RefreshToken};
use crate::session::SessionId;

pub(super) struct Names {
    pub(super) run: u32,
    pub(super) now: UnixSeconds,
}

impl Names {
    pub(super) fn phone(&self, n: u32) -> PhoneNumber {
        let number = format!("+1415556{:02}{:02}", self.run % 100, n % 100);
        PhoneNumber::parse(&number, None).expect("a valid number")
    }

    pub(super) fn id(&self, n: u32) -> UserId {
        UserId::parse(&format!("5e0a1c2d-7b3f-4c1e-9a6d-{:06}{:06}", self.run, n)).unwrap()
    }

    /// A Go session id: 64 hex characters.
    pub(super) fn go_session(&self, n: u32) -> SessionId {
        SessionId::parse(&format!("{:032x}{:032x}", self.run, n)).unwrap()
    }

    /// A Go refresh token: 32 characters of [A-Za-z0-9].
    pub(super) fn go_token(&self, n: u32) -> String {
        format!("GoToken{:05}x{:05}AbCdEfGhIjKlMn", self.run, n)
    }

    pub(super) fn user(&self, n: u32, phone: u32) -> ImportedUser {
        ImportedUser {
            id: self.id(n),
            phone: self.phone(phone),
            scope: Scope::parse("admin").unwrap(),
            created_at: self.now - 86_400 * 30,
            updated_at: self.now - 86_400,
        }
    }

    pub(super) fn token(&self, user: u32, phone: u32, n: u32, session: u32) -> ImportedToken {
        ImportedToken {
            hash: legacy_token_hash(&self.go_token(n)).unwrap(),
            user: self.id(user),
            phone: self.phone(phone),
            session: self.go_session(session),
            created_at: self.now - 3_600,
            expires_at: self.now + 86_400 * 3,
        }
    }

    fn source(&self) -> String {
        format!("contract-{}", self.run)
    }
}

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

pub(super) async fn users<S: LegacyImport>(
    store: &S,
    n: &Names,
    users: &[ImportedUser],
) -> Vec<UserImport> {
    let last = users.last().map(|u| u.id.as_str().to_owned()).unwrap();
    let done = Checkpoint {
        source: &n.source(),
        phase: ImportPhase::Users,
        last_id: &last,
    };
    store
        .import_users(users, &done)
        .await
        .expect("the store answers")
}

pub(super) async fn tokens<S: LegacyImport>(
    store: &S,
    n: &Names,
    tokens: &[ImportedToken],
) -> TokensImported {
    let done = Checkpoint {
        source: &n.source(),
        phase: ImportPhase::Tokens,
        last_id: "00000000-0000-4000-8000-000000000000",
    };
    store
        .import_tokens(tokens, &done)
        .await
        .expect("the store answers")
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
