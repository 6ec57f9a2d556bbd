//! Revocation and introspection over the in-memory account store.

use super::*;
use crate::domain::account::Scope;
use crate::domain::phone::PhoneNumber;
use crate::domain::secrets::{RefreshSecret, RefreshToken};
use crate::ports::{LoginAccount, NewLogin, Rotation, RotationOutcome};
use crate::testing::{FixedClock, InMemoryAccounts};
use futures::executor::block_on;

const NOW: i64 = 1_900_000_000;

/// User `n` logs in (session `n`); its user, session and refresh token.
fn log_in(accounts: &impl AccountStore, n: u8) -> (UserId, SessionId, String) {
    let id = UserId::parse(&format!("5a1d7c1a-0b2f-4c6d-9e8f-{n:012}")).unwrap();
    let session = SessionId::parse(&format!("oauth-session-{n}-0123456789")).unwrap();
    let secret = RefreshSecret([n; 32]);
    let login = NewLogin {
        phone: &PhoneNumber::parse(&format!("+1415555{:04}", 3100 + u32::from(n)), None).unwrap(),
        new_user_id: &id,
        session: &session,
        refresh_secret: &secret,
        refresh_expires_at: NOW + 86_400,
        user_agent: None,
        client_ip: None,
        new_user_scope: &Scope::Unscoped,
        known_account: None,
        binding: None,
    };
    let account = block_on(accounts.login(&login)).unwrap();
    assert!(matches!(account, LoginAccount::Created(_)));
    let token = RefreshToken::for_user(&id, &secret).token;
    (id, session, token)
}

fn claims(user: &UserId, session: &SessionId) -> Claims {
    Claims {
        sub: user.as_str().to_owned(),
        sid: session.as_str().to_owned(),
        client_id: "phone-auth".into(),
        scopes: String::new(),
        iss: "phone-auth".into(),
        aud: "phone-auth-clients".into(),
        iat: NOW,
        exp: NOW + 900,
        jti: "jti-1".into(),
        rgn: None,
        cnf: None,
    }
}

fn live(accounts: &impl AccountStore, user: &UserId, session: &SessionId) -> bool {
    block_on(accounts.user_of_session(user, session))
        .unwrap()
        .is_some()
}

#[test]
fn an_access_token_ends_its_own_session_and_no_other() {
    let clock = FixedClock::at(NOW);
    let accounts = InMemoryAccounts::new(&clock);
    let (user, session, _) = log_in(&accounts, 1);
    let (other, other_session, _) = log_in(&accounts, 2);
    let presented = Presented::Access {
        user: &user,
        session: &session,
        bound_to: None,
    };
    block_on(revoke(&accounts, presented, None)).unwrap();
    assert!(!live(&accounts, &user, &session));
    assert!(live(&accounts, &other, &other_session));
    // Revoked twice, or a session long gone: still an answer, not an error (RFC 7009 §2.2).
    block_on(revoke(&accounts, presented, None)).unwrap();
}

#[test]
fn a_bound_access_token_revokes_only_with_its_key() {
    let clock = FixedClock::at(NOW);
    let accounts = InMemoryAccounts::new(&clock);
    let (user, session, _) = log_in(&accounts, 8);
    let presented = Presented::Access {
        user: &user,
        session: &session,
        bound_to: Some("key-a"),
    };
    for thief in [None, Some("key-b")] {
        block_on(revoke(&accounts, presented, thief)).unwrap();
        assert!(live(&accounts, &user, &session), "{thief:?}");
    }
    block_on(revoke(&accounts, presented, Some("key-a"))).unwrap();
    assert!(!live(&accounts, &user, &session));
}

#[test]
fn a_bound_tokens_introspection_names_its_key() {
    let clock = FixedClock::at(NOW);
    let accounts = InMemoryAccounts::new(&clock);
    let (user, session, _) = log_in(&accounts, 9);
    let mut bound = claims(&user, &session);
    bound.cnf = Some(crate::domain::token::Confirmation {
        jkt: "key-a".into(),
    });
    let body = block_on(introspect(&accounts, Some(bound))).unwrap().body();
    assert_eq!(
        (&body["token_type"], &body["cnf"]["jkt"]),
        (&json!("DPoP"), &json!("key-a"))
    );
}

#[test]
fn a_refresh_token_ends_its_session_and_a_rotated_one_ends_it_too() {
    let clock = FixedClock::at(NOW);
    let accounts = InMemoryAccounts::new(&clock);
    let (user, session, token) = log_in(&accounts, 3);
    block_on(revoke(&accounts, Presented::Refresh(&token), None)).unwrap();
    assert!(!live(&accounts, &user, &session));

    // An attacker revoking with a token the client already rotated: the session ends, as a
    // reuse on the refresh path ends it.
    let (user, session, token) = log_in(&accounts, 4);
    let presented = RefreshToken::parse(&token).unwrap();
    let successor = RefreshToken::for_user(&user, &RefreshSecret([44; 32]));
    let rotation = Rotation {
        presented: &presented,
        successor_hash: &successor.hash,
        session: None,
        successor_expires_at: NOW + 86_400,
        grace_secs: 0,
    };
    assert!(matches!(
        block_on(accounts.rotate(&rotation)).unwrap(),
        RotationOutcome::Rotated { .. }
    ));
    clock.advance(5);
    block_on(revoke(&accounts, Presented::Refresh(&token), None)).unwrap();
    assert!(!live(&accounts, &user, &session));
}

#[test]
fn an_unknown_or_unusable_token_is_answered_and_changes_nothing() {
    let clock = FixedClock::at(NOW);
    let accounts = InMemoryAccounts::new(&clock);
    let (user, session, _) = log_in(&accounts, 5);
    for junk in ["", "not-a-token", "a.b", "v1.0000.zzzz"] {
        block_on(revoke(&accounts, Presented::Refresh(junk), None)).unwrap();
    }
    block_on(revoke(&accounts, Presented::Unusable, None)).unwrap();
    assert!(live(&accounts, &user, &session));
}

#[test]
fn a_refresh_token_never_looks_like_an_access_token() {
    let (_, _, token) = log_in(&InMemoryAccounts::new(&FixedClock::at(NOW)), 6);
    assert!(!looks_like_access_token(&token));
    assert!(looks_like_access_token("eyJh.eyJz.c2ln"));
    assert!(!looks_like_access_token("a.b.c.d"));
}

#[test]
fn introspection_is_active_only_while_the_session_is_live() {
    let clock = FixedClock::at(NOW);
    let accounts = InMemoryAccounts::new(&clock);
    let (user, session, _) = log_in(&accounts, 7);
    let verified = claims(&user, &session);

    let active = block_on(introspect(&accounts, Some(verified.clone()))).unwrap();
    let body = active.body();
    assert_eq!(body["active"], true);
    assert_eq!(
        (
            &body["sub"],
            &body["sid"],
            &body["client_id"],
            &body["token_type"]
        ),
        (
            &json!(user.as_str()),
            &json!(session.as_str()),
            &json!("phone-auth"),
            &json!("Bearer")
        )
    );
    assert_eq!(body["exp"], NOW + 900);
    assert!(body.get("scope").is_none(), "an unscoped user has no scope");
    assert_eq!(active.max_age_secs(NOW + 100), Some(800));
    assert_eq!(active.max_age_secs(NOW + 1_000), Some(0));

    // Not verified (expired, forged, a refresh token): inactive, and no store call.
    assert_eq!(
        block_on(introspect(&accounts, None)).unwrap(),
        Introspection::Inactive
    );
    // Claims naming no user or session of ours.
    let mut foreign = verified.clone();
    foreign.sub = "not-a-uuid".into();
    assert_eq!(
        block_on(introspect(&accounts, Some(foreign))).unwrap(),
        Introspection::Inactive
    );

    block_on(revoke(
        &accounts,
        Presented::Access {
            user: &user,
            session: &session,
            bound_to: None,
        },
        None,
    ))
    .unwrap();
    let after = block_on(introspect(&accounts, Some(verified))).unwrap();
    assert_eq!(after, Introspection::Inactive);
    assert_eq!(after.body(), json!({"active": false}));
    assert_eq!(after.max_age_secs(NOW), None);
}

#[test]
fn a_blocked_or_deleted_users_token_is_inactive() {
    use crate::ports::Deletion;
    let clock = FixedClock::at(NOW);
    let accounts = InMemoryAccounts::new(&clock);
    let (admin, _, _) = log_in(&accounts, 8);
    let (blocked, blocked_session, _) = log_in(&accounts, 9);
    let (deleted, deleted_session, _) = log_in(&accounts, 10);
    block_on(accounts.set_blocked_by(&blocked, true, &admin)).unwrap();
    block_on(accounts.delete_account(&deleted, Deletion::ByAdmin(&admin))).unwrap();
    for (user, session) in [(&blocked, &blocked_session), (&deleted, &deleted_session)] {
        assert_eq!(
            block_on(introspect(&accounts, Some(claims(user, session)))).unwrap(),
            Introspection::Inactive
        );
    }
}

#[test]
fn an_active_answer_gives_the_users_scope_as_it_is_now() {
    let clock = FixedClock::at(NOW);
    let accounts = InMemoryAccounts::new(&clock);
    let (admin, _, _) = log_in(&accounts, 11);
    let (user, session, _) = log_in(&accounts, 12);
    block_on(accounts.set_scope_by(&user, &Scope::Superadmin, &admin)).unwrap();
    let active = block_on(introspect(&accounts, Some(claims(&user, &session)))).unwrap();
    assert_eq!(active.body()["scope"], "superadmin");
}
