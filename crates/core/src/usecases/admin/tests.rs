//! The admin requests over the in-memory account store: only a live superadmin is answered.

use super::*;
use crate::domain::phone::PhoneNumber;
use crate::domain::secrets::RefreshSecret;
use crate::ports::NewLogin;
use crate::testing::{CountingLender, FixedClock, InMemoryAccounts};
use futures::executor::block_on;

/// User `n` logs in to `accounts` now (the across-regions tests make users this way too).
pub(super) fn user(accounts: &impl AccountStore, n: u32) -> (UserId, SessionId) {
    let id = UserId::parse(&format!("7f3c2a9e-3b1d-4f6a-8c2e-{n:012}")).unwrap();
    let session = SessionId::parse(&format!("admin-session-{n}-0123456789")).unwrap();
    let login = NewLogin {
        phone: &PhoneNumber::parse(&format!("+1415555{:04}", 2600 + n), None).unwrap(),
        new_user_id: &id,
        session: &session,
        refresh_secret: &RefreshSecret([n as u8; 32]),
        refresh_expires_at: 1_900_086_400,
        user_agent: None,
        client_ip: None,
        new_user_scope: &Scope::Unscoped,
        known_account: None,
        binding: None,
    };
    block_on(accounts.login(&login)).unwrap();
    (id, session)
}

#[test]
fn only_a_live_superadmin_reads_users() {
    let clock = FixedClock::at(1_900_000_000);
    let accounts = InMemoryAccounts::new(&clock);
    let (admin_id, admin_session) = user(&accounts, 1);
    let (other, _) = user(&accounts, 2);
    let query = UserQuery::parse([]).unwrap();
    let ask = |request| {
        block_on(admin(
            &accounts,
            &admin_id,
            &admin_session,
            request,
            ApiProfile::Native,
        ))
    };

    let refused = ask(AdminRequest::List(&query)).unwrap_err();
    assert_eq!(refused, AdminError::Forbidden(Scope::Unscoped));
    assert_eq!(refused.problem().body.http_status(), 403);

    accounts.set_scope(&admin_id, Scope::Superadmin);
    let Ok(AdminAnswer::Page(page)) = ask(AdminRequest::List(&query)) else {
        panic!("a superadmin lists users");
    };
    assert_eq!(page.total, 2);
    let Ok(AdminAnswer::User(found)) = ask(AdminRequest::Get(other.as_str())) else {
        panic!("a superadmin reads a user");
    };
    assert_eq!(found.id, other);
    for missing in ["00000000-0000-4000-8000-000000000000", "not-a-uuid", "%27"] {
        let error = ask(AdminRequest::Get(missing)).unwrap_err();
        assert_eq!(error, AdminError::NoSuchUser, "{missing}");
        assert_eq!(error.problem().body.http_status(), 404);
    }

    let dead = SessionId::parse("no-such-session-0123456789").unwrap();
    let gone = block_on(admin(
        &accounts,
        &admin_id,
        &dead,
        AdminRequest::List(&query),
        ApiProfile::Native,
    ));
    assert_eq!(gone.unwrap_err().problem().body.http_status(), 401);
}

/// Under otp-auth-v1 the Go service's `admin` scope reads users too; natively it does not,
/// and a plain `user` never does.
#[test]
fn an_admin_request_in_one_region_borrows_one_connection() {
    let clock = FixedClock::at(1_900_000_000);
    let accounts = InMemoryAccounts::new(&clock);
    let (admin_id, admin_session) = user(&accounts, 1);
    let (other, _) = user(&accounts, 2);
    accounts.set_scope(&admin_id, Scope::Superadmin);
    let lender = CountingLender::new(&accounts);
    let query = UserQuery::parse([]).unwrap();
    let requests = [
        AdminRequest::List(&query),
        AdminRequest::Sessions(other.as_str()),
        AdminRequest::SetBlocked {
            id: other.as_str(),
            blocked: true,
        },
    ];
    for (n, request) in requests.into_iter().enumerate() {
        let answer = block_on(admin(
            &lender,
            &admin_id,
            &admin_session,
            request,
            ApiProfile::Native,
        ));
        assert!(answer.is_ok(), "{request:?}: {answer:?}");
        // The caller's authorization and the request's statements share it.
        assert_eq!(lender.lends(), n as u32 + 1, "{request:?}");
    }
}

#[test]
fn the_go_profile_lets_an_admin_read_users() {
    let clock = FixedClock::at(1_900_000_000);
    let accounts = InMemoryAccounts::new(&clock);
    let (caller, session) = user(&accounts, 7);
    let query = UserQuery::parse([]).unwrap();
    let ask = |profile| {
        block_on(admin(
            &accounts,
            &caller,
            &session,
            AdminRequest::List(&query),
            profile,
        ))
    };
    accounts.set_scope(&caller, Scope::parse("admin").unwrap());
    assert!(ask(ApiProfile::OtpAuthV1).is_ok());
    assert!(matches!(
        ask(ApiProfile::Native),
        Err(AdminError::Forbidden(_))
    ));
    accounts.set_scope(&caller, Scope::parse("user").unwrap());
    assert!(matches!(
        ask(ApiProfile::OtpAuthV1),
        Err(AdminError::Forbidden(_))
    ));
}

/// Setting a scope and reading a user's sessions are a superadmin's alone, under both profiles;
/// the change applies to the target's next request.
#[test]
fn only_a_superadmin_sets_scopes_and_reads_a_users_sessions() {
    let clock = FixedClock::at(1_900_000_000);
    let accounts = InMemoryAccounts::new(&clock);
    let (caller, session) = user(&accounts, 11);
    let (target, target_session) = user(&accounts, 12);
    let ask = |request, profile| block_on(admin(&accounts, &caller, &session, request, profile));
    let set = |scope| AdminRequest::SetScope {
        id: target.as_str(),
        scope,
    };
    accounts.set_scope(&caller, Scope::parse("admin").unwrap());
    for profile in [ApiProfile::Native, ApiProfile::OtpAuthV1] {
        let refused = ask(set("superadmin"), profile).unwrap_err();
        assert!(matches!(refused, AdminError::Forbidden(_)), "{profile:?}");
        let refused = ask(AdminRequest::Sessions(target.as_str()), profile).unwrap_err();
        assert!(matches!(refused, AdminError::Forbidden(_)), "{profile:?}");
    }
    accounts.set_scope(&caller, Scope::Superadmin);
    let Ok(AdminAnswer::User(changed)) = ask(set("admin"), ApiProfile::Native) else {
        panic!("a superadmin sets a scope");
    };
    assert_eq!(changed.scope, Scope::parse("admin").unwrap());
    let target_now = block_on(accounts.user_of_session(&target, &target_session)).unwrap();
    assert_eq!(target_now.unwrap().scope, changed.scope, "at once");
    let bad = ask(set("Admin!"), ApiProfile::Native).unwrap_err();
    assert_eq!(bad, AdminError::BadScope);
    assert_eq!(bad.problem().body.http_status(), 400);
    let nobody = AdminRequest::SetScope {
        id: "00000000-0000-4000-8000-000000000000",
        scope: "admin",
    };
    assert_eq!(ask(nobody, ApiProfile::Native), Err(AdminError::NoSuchUser));

    let Ok(AdminAnswer::Sessions(listed)) =
        ask(AdminRequest::Sessions(target.as_str()), ApiProfile::Native)
    else {
        panic!("a superadmin reads a user's sessions");
    };
    assert_eq!(
        listed.iter().map(|s| s.id.clone()).collect::<Vec<_>>(),
        [target_session]
    );
    let missing = AdminRequest::Sessions("00000000-0000-4000-8000-000000000000");
    assert_eq!(
        ask(missing, ApiProfile::Native),
        Err(AdminError::NoSuchUser)
    );
}

/// Blocking, unblocking and deleting are a superadmin's alone, never of their own account; a
/// block ends the target's sessions at once and refuses nothing else of the admin's.
#[test]
fn only_a_superadmin_blocks_and_deletes_and_never_itself() {
    let clock = FixedClock::at(1_900_000_000);
    let accounts = InMemoryAccounts::new(&clock);
    let (caller, session) = user(&accounts, 21);
    let (target, target_session) = user(&accounts, 22);
    let ask = |request| {
        block_on(admin(
            &accounts,
            &caller,
            &session,
            request,
            ApiProfile::Native,
        ))
    };
    let block = |id, blocked| AdminRequest::SetBlocked { id, blocked };
    accounts.set_scope(&caller, Scope::parse("admin").unwrap());
    for request in [
        block(target.as_str(), true),
        AdminRequest::Delete(target.as_str()),
    ] {
        assert!(matches!(ask(request), Err(AdminError::Forbidden(_))));
    }
    assert!(block_on(accounts.user_of_session(&target, &target_session))
        .unwrap()
        .is_some());

    accounts.set_scope(&caller, Scope::Superadmin);
    for request in [
        block(caller.as_str(), true),
        AdminRequest::Delete(caller.as_str()),
    ] {
        let refused = ask(request).unwrap_err();
        assert_eq!(refused, AdminError::OwnAccount);
        assert_eq!(refused.problem().body.http_status(), 400);
    }
    let Ok(AdminAnswer::Blocked(change)) = ask(block(target.as_str(), true)) else {
        panic!("a superadmin blocks a user");
    };
    assert_eq!(
        (change.user.id.clone(), change.sessions_ended),
        (target.clone(), 1)
    );
    assert!(block_on(accounts.user_of_session(&target, &target_session))
        .unwrap()
        .is_none());
    let Ok(AdminAnswer::Blocked(again)) = ask(block(target.as_str(), true)) else {
        panic!("blocking twice is answered");
    };
    assert_eq!(again.sessions_ended, 0);
    assert!(matches!(
        ask(block(target.as_str(), false)),
        Ok(AdminAnswer::Blocked(_))
    ));

    assert_eq!(
        ask(AdminRequest::Delete(target.as_str())),
        Ok(AdminAnswer::Deleted {
            freed: PhoneNumber::parse("+14155552622", None).unwrap()
        })
    );
    let nobody = [
        block(target.as_str(), true),
        AdminRequest::Delete(target.as_str()),
        AdminRequest::Get(target.as_str()),
    ];
    for request in nobody {
        assert_eq!(ask(request), Err(AdminError::NoSuchUser));
    }
}
