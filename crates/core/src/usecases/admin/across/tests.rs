//! The listing merged from two regions, and users found by id in either.

use super::super::tests::user;
use super::super::{admin_across, AdminAnswer, AdminError, AdminRequest};
use super::MAX_MERGED_ROWS;
use crate::domain::account::{Scope, User, UserId};
use crate::domain::admin::UserQuery;
use crate::domain::session::SessionId;
use crate::http::api_profile::ApiProfile;
use crate::ports::{AccountStore, PasskeyStore};
use crate::testing::{FixedClock, InMemoryAccounts};
use futures::executor::block_on;

fn ask<A: AccountStore + PasskeyStore>(
    home: &A,
    all: &[&A],
    admin: &(UserId, SessionId),
    request: AdminRequest<'_>,
) -> Result<AdminAnswer, AdminError> {
    block_on(admin_across(
        home,
        all,
        &admin.0,
        &admin.1,
        request,
        ApiProfile::Native,
    ))
}

fn page_of(answer: Result<AdminAnswer, AdminError>) -> (Vec<User>, u64) {
    match answer {
        Ok(AdminAnswer::Page(page)) => (page.users, page.total),
        other => panic!("not a page: {other:?}"),
    }
}

#[test]
fn pages_merged_from_two_regions_tile_the_whole_list_newest_first() {
    let clock = FixedClock::at(1_900_000_000);
    let (a, b) = (InMemoryAccounts::new(&clock), InMemoryAccounts::new(&clock));
    let admin = user(&a, 0);
    a.set_scope(&admin.0, Scope::parse("superadmin").unwrap());
    // Users join both regions unevenly, some in the same second (ties across regions).
    for n in 1..=13 {
        let region = if n % 3 == 0 { &b } else { &a };
        user(region, n);
        if n % 4 != 0 {
            clock.advance(1);
        }
        if n == 7 {
            user(&b, 100);
        }
    }
    let mut seen = Vec::new();
    for page in 1..=4 {
        let query = UserQuery::parse([("limit", "4"), ("page", &page.to_string())]).unwrap();
        let (users, total) = page_of(ask(&a, &[&a, &b], &admin, AdminRequest::List(&query)));
        assert_eq!(total, 15, "every region's users count");
        assert!(users.len() <= 4);
        seen.extend(users);
    }
    assert_eq!(seen.len(), 15, "every user exactly once: {seen:?}");
    let mut ids: Vec<_> = seen.iter().map(|u| u.id.clone()).collect();
    ids.dedup();
    assert_eq!(ids.len(), 15);
    assert!(
        seen.windows(2).all(|w| w[0].created_at >= w[1].created_at),
        "newest first across regions"
    );
    // The same query answers the same page.
    let query = UserQuery::parse([("limit", "4"), ("page", "2")]).unwrap();
    let once = page_of(ask(&a, &[&a, &b], &admin, AdminRequest::List(&query)));
    let again = page_of(ask(&a, &[&a, &b], &admin, AdminRequest::List(&query)));
    assert_eq!(once, again);
}

#[test]
fn a_merged_page_past_the_bound_is_refused() {
    let clock = FixedClock::at(1_900_000_000);
    let (a, b) = (InMemoryAccounts::new(&clock), InMemoryAccounts::new(&clock));
    let admin = user(&a, 0);
    a.set_scope(&admin.0, Scope::parse("superadmin").unwrap());
    let last = (MAX_MERGED_ROWS / 100).to_string();
    let deepest = UserQuery::parse([("limit", "100"), ("page", last.as_str())]).unwrap();
    assert!(ask(&a, &[&a, &b], &admin, AdminRequest::List(&deepest)).is_ok());
    let past = (MAX_MERGED_ROWS / 100 + 1).to_string();
    let past = UserQuery::parse([("limit", "100"), ("page", past.as_str())]).unwrap();
    let refused = ask(&a, &[&a, &b], &admin, AdminRequest::List(&past));
    assert_eq!(refused, Err(AdminError::TooDeep));
    // One region pages as deep as it always did.
    assert!(ask(&a, &[&a], &admin, AdminRequest::List(&past)).is_ok());
}

#[test]
fn a_user_named_by_id_is_found_and_changed_in_their_own_region() {
    let clock = FixedClock::at(1_900_000_000);
    let (a, b) = (InMemoryAccounts::new(&clock), InMemoryAccounts::new(&clock));
    let admin = user(&a, 0);
    a.set_scope(&admin.0, Scope::parse("superadmin").unwrap());
    let (far, _) = user(&b, 1);
    let all = [&a, &b];
    match ask(&a, &all, &admin, AdminRequest::Get(far.as_str())) {
        Ok(AdminAnswer::User(u)) => assert_eq!(u.id, far),
        other => panic!("{other:?}"),
    }
    let blocked = ask(
        &a,
        &all,
        &admin,
        AdminRequest::SetBlocked {
            id: far.as_str(),
            blocked: true,
        },
    );
    assert!(
        matches!(blocked, Ok(AdminAnswer::Blocked(_))),
        "{blocked:?}"
    );
    assert!(
        block_on(a.find_user(&far)).unwrap().is_none(),
        "never copied to the admin's region"
    );
    let gone = ask(&a, &all, &admin, AdminRequest::Delete(far.as_str()));
    assert!(matches!(gone, Ok(AdminAnswer::Deleted { .. })), "{gone:?}");
    assert!(block_on(b.find_user(&far)).unwrap().is_none());
    let missing = ask(&a, &all, &admin, AdminRequest::Get(far.as_str()));
    assert_eq!(missing, Err(AdminError::NoSuchUser));
}
