//! The account store's contract. The scenarios share one store, each on phones and user ids of
//! its own (`run` picks a range), so the suite also runs against one migrated database.
//! Time is the store's own (the database's `now()`): `now` only places expiries in the future.

mod bearer;
mod hint;
mod lifecycle;
mod passkeys;

use crate::domain::account::{Scope, UserId};
use crate::domain::phone::PhoneNumber;
use crate::domain::secrets::{PresentedToken, RefreshSecret, RefreshToken};
use crate::domain::session::SessionId;
use crate::ports::{
    AccountStore, LoginAccount, LogoutOutcome, LogoutScope, NewLogin, PasskeyStore, Rotation,
    RotationOutcome, UnixSeconds,
};

/// One scenario's names: phones `+1415555{run}{n}`, ids and sessions that no other run uses.
pub(super) struct Names {
    run: u32,
    expires: UnixSeconds,
}

impl Names {
    pub(super) fn phone(&self, n: u32) -> PhoneNumber {
        let number = format!("+1415555{:02}{:02}", self.run % 100, n % 100);
        PhoneNumber::parse(&number, None).expect("a valid number")
    }

    pub(super) fn id(&self, n: u32) -> UserId {
        UserId::parse(&format!("7f3c2a9e-3b1d-4f6a-8c2e-{:06}{:06}", self.run, n)).unwrap()
    }

    pub(super) fn session(&self, n: u32) -> SessionId {
        SessionId::parse(&format!("contract-{}-session-{n}-0123", self.run)).unwrap()
    }

    pub(super) async fn login(
        &self,
        store: &impl AccountStore,
        phone: u32,
        session: u32,
        secret: u8,
    ) -> LoginAccount {
        let login = NewLogin {
            phone: &self.phone(phone),
            new_user_id: &self.id(phone),
            session: &self.session(session),
            refresh_secret: &RefreshSecret([secret; 32]),
            refresh_expires_at: self.expires,
            user_agent: Some("contract/1.0"),
            client_ip: Some("192.0.2.1"),
            new_user_scope: &Scope::Unscoped,
            known_account: None,
            binding: None,
        };
        store.login(&login).await.expect("the store answers")
    }
}

fn token(user: &UserId, secret: u8) -> PresentedToken {
    let made = RefreshToken::for_user(user, &RefreshSecret([secret; 32]));
    RefreshToken::parse(&made.token).unwrap()
}

pub(super) async fn rotate(
    store: &impl AccountStore,
    n: &Names,
    user: &UserId,
    presented: u8,
    successor: u8,
    session: Option<&SessionId>,
    grace_secs: u32,
) -> RotationOutcome {
    let successor = RefreshToken::for_user(user, &RefreshSecret([successor; 32]));
    let rotation = Rotation {
        presented: &token(user, presented),
        successor_hash: &successor.hash,
        session,
        successor_expires_at: n.expires,
        grace_secs,
    };
    store.rotate(&rotation).await.expect("the store answers")
}

/// Runs every scenario of the account store's contract on `store`. `run` (0-99) keeps this
/// run's phones and ids apart from any other's in a shared database; `now` is the current time.
pub async fn account_store<S: AccountStore + PasskeyStore>(store: &S, run: u32, now: UnixSeconds) {
    let names = |k: u32| Names {
        run: run * 10 + k,
        expires: now + 30 * 86_400,
    };
    the_first_login_creates_the_user_and_later_ones_find_it(store, &names(1)).await;
    rotation_issues_a_successor_and_a_reused_token_revokes_the_session(store, &names(2)).await;
    a_retry_inside_the_grace_window_rotates_again(store, &names(3)).await;
    a_refresh_never_extends_the_session(store, &names(9)).await;
    a_session_id_is_never_revived(store, &names(4)).await;
    logout_ends_the_chosen_sessions(store, &names(5)).await;
    bearer::sessions_are_listed_and_revoked_by_a_live_caller(store, &names(6)).await;
    a_token_is_found_only_under_the_user_it_names(store, &names(7)).await;
    bearer::a_caller_revokes_its_own_session(store, &names(0)).await;
    bearer::users_are_listed_by_phone_prefix_or_anywhere(store, &names(8)).await;
    // On phone 5 of the sessions scenario's names: no other scenario's phones or sessions.
    bearer::an_admin_sets_a_scope_and_reads_a_users_sessions(store, &names(6)).await;
    // On phones 61-79 of the refresh scenario's names.
    lifecycle::a_blocked_user_gets_no_session_until_unblocked(store, &names(9)).await;
    lifecycle::a_deleted_user_is_gone_and_its_number_starts_afresh(store, &names(9)).await;
    lifecycle::a_user_moves_to_a_new_number_and_the_old_one_is_free(store, &names(9)).await;
    // On phones 81-90 of the same names.
    hint::a_remembered_account_never_changes_whom_a_login_reaches(store, &names(9)).await;
    // On phones 41-49 of the same names.
    passkeys::a_passkey_is_registered_listed_and_removed_by_its_user_only(store, &names(9)).await;
    passkeys::a_sign_in_starts_a_session_and_the_sign_count_only_moves_forward(store, &names(9))
        .await;
    passkeys::a_blocked_user_cannot_sign_in_and_a_deleted_ones_passkeys_are_gone(store, &names(9))
        .await;
}

async fn the_first_login_creates_the_user_and_later_ones_find_it(
    store: &impl AccountStore,
    n: &Names,
) {
    let first = n.login(store, 1, 1, 1).await;
    let LoginAccount::Created(user) = &first else {
        panic!("the first login creates the user: {first:?}");
    };
    assert_eq!(
        (&user.id, user.phone.as_str()),
        (&n.id(1), n.phone(1).as_e164())
    );
    assert_eq!(user.scope, Scope::Unscoped);
    let again = NewLogin {
        phone: &n.phone(1),
        new_user_id: &n.id(99),
        session: &n.session(2),
        refresh_secret: &RefreshSecret([2; 32]),
        refresh_expires_at: n.expires,
        user_agent: None,
        client_ip: None,
        // An existing user keeps their scope whatever a new one would get.
        new_user_scope: &Scope::Superadmin,
        known_account: None,
        binding: None,
    };
    let second = store.login(&again).await.unwrap();
    assert_eq!(
        second,
        LoginAccount::Found(user.clone()),
        "the would-be id is not used"
    );
    // A user created under the otp-auth-v1 profile starts with its scope.
    let scoped = Scope::parse("user").unwrap();
    let first_of_three = NewLogin {
        phone: &n.phone(3),
        new_user_id: &n.id(3),
        session: &n.session(30),
        new_user_scope: &scoped,
        known_account: None,
        binding: None,
        ..again
    };
    let created = store.login(&first_of_three).await.unwrap();
    assert!(
        matches!(&created, LoginAccount::Created(u) if u.scope == scoped),
        "{created:?}"
    );
    for session in [n.session(1), n.session(2)] {
        assert_eq!(
            store
                .user_of_session(&n.id(1), &session)
                .await
                .unwrap()
                .as_ref(),
            Some(user)
        );
    }
    assert_eq!(
        store
            .user_of_session(&n.id(1), &n.session(3))
            .await
            .unwrap(),
        None
    );
    assert_eq!(store.find_user(&n.id(99)).await.unwrap(), None);
}

async fn rotation_issues_a_successor_and_a_reused_token_revokes_the_session(
    store: &impl AccountStore,
    n: &Names,
) {
    let user = n.login(store, 1, 1, 1).await.into_user();
    let rotated = rotate(store, n, &user.id, 1, 2, None, 0).await;
    assert_eq!(
        rotated,
        RotationOutcome::Rotated {
            user: user.clone(),
            session: n.session(1),
            expires_at: n.expires,
        }
    );
    assert_eq!(
        rotate(store, n, &user.id, 1, 3, None, 0).await,
        RotationOutcome::Reused
    );
    assert_eq!(
        rotate(store, n, &user.id, 2, 4, None, 0).await,
        RotationOutcome::Invalid,
        "the successor died with its session"
    );
    assert_eq!(
        store
            .user_of_session(&user.id, &n.session(1))
            .await
            .unwrap(),
        None
    );
}

async fn a_retry_inside_the_grace_window_rotates_again(store: &impl AccountStore, n: &Names) {
    let user = n.login(store, 1, 1, 1).await.into_user();
    assert!(matches!(
        rotate(store, n, &user.id, 1, 2, Some(&n.session(1)), 30).await,
        RotationOutcome::Rotated { .. }
    ));
    assert_eq!(
        rotate(store, n, &user.id, 2, 5, Some(&n.session(9)), 30).await,
        RotationOutcome::Invalid,
        "a token presented for another session"
    );
    assert!(matches!(
        rotate(store, n, &user.id, 1, 3, None, 30).await,
        RotationOutcome::Rotated { .. }
    ));
    assert_eq!(
        rotate(store, n, &user.id, 2, 6, None, 30).await,
        RotationOutcome::Invalid,
        "the retry revoked the first successor: one live chain"
    );
    assert_eq!(
        rotate(store, n, &user.id, 1, 7, None, 30).await,
        RotationOutcome::Invalid,
        "a token is retried once at most"
    );
    assert!(matches!(
        rotate(store, n, &user.id, 3, 8, None, 30).await,
        RotationOutcome::Rotated { .. }
    ));
    assert!(store
        .user_of_session(&user.id, &n.session(1))
        .await
        .unwrap()
        .is_some());
}

async fn a_session_id_is_never_revived(store: &impl AccountStore, n: &Names) {
    let user = n.login(store, 1, 1, 1).await.into_user();
    let presented = token(&user.id, 1);
    assert_eq!(
        store.logout(&presented, LogoutScope::Local).await.unwrap(),
        LogoutOutcome::Ended
    );
    let again = NewLogin {
        phone: &n.phone(1),
        new_user_id: &n.id(1),
        session: &n.session(1),
        refresh_secret: &RefreshSecret([2; 32]),
        refresh_expires_at: n.expires,
        user_agent: None,
        client_ip: None,
        new_user_scope: &Scope::Unscoped,
        known_account: None,
        binding: None,
    };
    assert!(
        store.login(&again).await.is_err(),
        "a login under an ended session's id is refused, not a revival"
    );
    assert_eq!(
        store
            .user_of_session(&user.id, &n.session(1))
            .await
            .unwrap(),
        None
    );
    for secret in [1, 2] {
        assert_eq!(
            rotate(store, n, &user.id, secret, 3, None, 0).await,
            RotationOutcome::Invalid,
            "token {secret} of the ended session stays refused"
        );
    }
    n.login(store, 1, 2, 4).await;
    assert!(matches!(
        rotate(store, n, &user.id, 4, 5, None, 0).await,
        RotationOutcome::Rotated { .. }
    ));
}

async fn logout_ends_the_chosen_sessions(store: &impl AccountStore, n: &Names) {
    let user = n.login(store, 1, 1, 1).await.into_user();
    for (session, secret) in [(2, 2), (3, 3), (4, 4)] {
        n.login(store, 1, session, secret).await;
    }
    let live = |s: u32| {
        let session = n.session(s);
        let id = user.id.clone();
        async move {
            store
                .user_of_session(&id, &session)
                .await
                .unwrap()
                .is_some()
        }
    };
    let logout = |secret: u8, scope| {
        let presented = token(&user.id, secret);
        async move { store.logout(&presented, scope).await.unwrap() }
    };
    assert_eq!(logout(1, LogoutScope::Local).await, LogoutOutcome::Ended);
    assert!(!live(1).await && live(2).await);
    assert_eq!(
        logout(1, LogoutScope::Global).await,
        LogoutOutcome::NotLive,
        "a dead token changes nothing"
    );
    assert!(live(2).await);
    assert_eq!(logout(2, LogoutScope::Others).await, LogoutOutcome::Ended);
    assert!(live(2).await && !live(3).await && !live(4).await);
    rotate(store, n, &user.id, 2, 5, None, 0).await;
    n.login(store, 1, 6, 6).await;
    assert_eq!(
        logout(2, LogoutScope::Others).await,
        LogoutOutcome::Reused,
        "a rotated token coming back is a reuse"
    );
    assert!(!live(2).await, "the reused token's session is revoked");
    assert!(
        live(6).await,
        "whatever the scope asked, only that session ends"
    );
    assert_eq!(
        logout(5, LogoutScope::Global).await,
        LogoutOutcome::NotLive,
        "the successor died with its session"
    );
}

async fn a_token_is_found_only_under_the_user_it_names(store: &impl AccountStore, n: &Names) {
    let user = n.login(store, 1, 1, 1).await.into_user();
    n.login(store, 2, 2, 2).await;
    let misrouted = PresentedToken {
        user_id: n.id(2),
        hash: token(&user.id, 1).hash,
    };
    assert_eq!(
        store.logout(&misrouted, LogoutScope::Global).await.unwrap(),
        LogoutOutcome::NotLive
    );
    let rotation = Rotation {
        presented: &misrouted,
        successor_hash: &[9; 32],
        session: None,
        successor_expires_at: n.expires,
        grace_secs: 0,
    };
    assert_eq!(
        store.rotate(&rotation).await.unwrap(),
        RotationOutcome::Invalid
    );
    assert!(matches!(
        rotate(store, n, &user.id, 1, 2, None, 0).await,
        RotationOutcome::Rotated { .. }
    ));
}

async fn a_refresh_never_extends_the_session(store: &impl AccountStore, n: &Names) {
    let user = n.login(store, 1, 1, 1).await.into_user();
    let successor = RefreshToken::for_user(&user.id, &RefreshSecret([2; 32]));
    let rotation = Rotation {
        presented: &token(&user.id, 1),
        successor_hash: &successor.hash,
        session: None,
        successor_expires_at: n.expires + 86_400,
        grace_secs: 0,
    };
    let RotationOutcome::Rotated { expires_at, .. } = store.rotate(&rotation).await.unwrap() else {
        panic!("the token rotates");
    };
    assert_eq!(expires_at, n.expires, "the successor ends with its session");
}
