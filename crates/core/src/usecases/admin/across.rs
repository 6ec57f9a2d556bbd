//! The admin requests across data regions: which region holds a user named by id, and one page
//! of the listing merged from every region's.
//!
//! Each region lists its users in the listing's stable order (newest first: `created_at`, then
//! id). Page `p` of the merge is rows `offset..offset + limit` of all regions' lists merged in
//! that order, so each region is asked for its first `offset + limit` rows and the merge keeps
//! each region's own order (ties in the second across regions go to the region listed first).
//! The same query always gives the same page, and the pages tile the whole list. What a region
//! reads grows with the page's depth, so the merge stops at [`MAX_MERGED_ROWS`]; past that a
//! filter (dates, a number prefix) narrows the list.

use super::AdminError;
use crate::domain::account::UserId;
use crate::domain::admin::UserQuery;
use crate::ports::{AccountLender, AccountStore, UserPage};
use futures::future::join_all;

/// The deepest row a merged page may reach (100 pages of 100).
pub const MAX_MERGED_ROWS: u64 = 10_000;

/// The region that holds user `id`. With one region that region, unasked (the call that follows
/// answers "no such user" itself); otherwise every region is asked at once. A region that could
/// not answer makes the answer unknown: an error, not "no such user".
pub(super) async fn holder<'a, A: AccountLender>(
    all: &[&'a A],
    id: &UserId,
) -> Result<&'a A, AdminError> {
    if let [only] = all {
        return Ok(only);
    }
    let asked = all
        .iter()
        .map(|lender| lender.lend(async |s| s.find_user(id).await));
    let found = join_all(asked).await;
    let mut failure = None;
    for (store, answer) in all.iter().zip(found) {
        match answer {
            Ok(Some(_)) => return Ok(store),
            Ok(None) => {}
            Err(error) => failure = Some(error),
        }
    }
    Err(failure.map_or(AdminError::NoSuchUser, AdminError::Backend))
}

/// One page of the listing over every region of `all`.
pub(super) async fn list<A: AccountLender>(
    all: &[&A],
    query: &UserQuery,
) -> Result<UserPage, AdminError> {
    if let [only] = all {
        return only
            .lend(async |s| s.list_users(query).await)
            .await
            .map_err(AdminError::Backend);
    }
    let depth = query.offset() + u64::from(query.limit);
    if depth > MAX_MERGED_ROWS {
        return Err(AdminError::TooDeep);
    }
    let head = UserQuery {
        page: 1,
        limit: u32::try_from(depth).map_err(|_| AdminError::TooDeep)?,
        ..query.clone()
    };
    let asked = all
        .iter()
        .map(|lender| lender.lend(async |s| s.list_users(&head).await));
    let pages = join_all(asked).await;
    let pages = pages
        .into_iter()
        .collect::<Result<Vec<_>, _>>()
        .map_err(AdminError::Backend)?;
    Ok(merge(pages, query))
}

/// Rows `offset..offset + limit` of the regions' lists merged newest first, each region's order
/// kept; the total is every region's.
fn merge(pages: Vec<UserPage>, query: &UserQuery) -> UserPage {
    let total = pages.iter().map(|p| p.total).sum();
    let mut lists: Vec<_> = pages
        .into_iter()
        .map(|p| p.users.into_iter().peekable())
        .collect();
    let mut merged = Vec::new();
    let wanted = query.offset() + u64::from(query.limit);
    while (merged.len() as u64) < wanted {
        // The newest head; on a tie, the region listed first (`max_by_key` keeps the last
        // maximum, so regions are walked in reverse).
        let next = lists
            .iter_mut()
            .enumerate()
            .rev()
            .filter_map(|(i, list)| list.peek().map(|u| (u.created_at, i)))
            .max_by_key(|&(created_at, _)| created_at)
            .map(|(_, i)| i);
        let Some(i) = next else { break };
        merged.extend(lists[i].next());
    }
    let users = merged.into_iter().skip(query.offset() as usize).collect();
    UserPage { users, total }
}

#[cfg(test)]
mod tests;
