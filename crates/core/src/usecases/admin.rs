//! The admin endpoints: `GET /api/v1/users` and `GET /api/v1/users/{id}`. The caller must hold
//! a live session, and its scope, read from the store on each request (so an operator's change
//! applies at once), must be allowed to administer: that decision is [`Scope::may_administer`],
//! here in core, never in SQL.

use super::Problem;
use crate::account::{Scope, User, UserId};
use crate::admin::UserQuery;
use crate::error::{ErrorBody, ErrorCode};
use crate::ports::{AccountStore, BackendError, UserPage};
use crate::profile::ApiProfile;
use crate::session::SessionId;

/// What the admin asks for.
#[derive(Debug, Clone, Copy)]
pub enum AdminRequest<'a> {
    List(&'a UserQuery),
    /// One user, by the path's `{id}` as given (anything that is not a user id is not found).
    Get(&'a str),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AdminAnswer {
    User(User),
    Page(UserPage),
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AdminError {
    #[error("the caller's session is not live")]
    SessionGone,
    #[error("scope {0:?} may not administer")]
    Forbidden(Scope),
    #[error("no such user")]
    NoSuchUser,
    #[error(transparent)]
    Backend(BackendError),
}

/// Authorizes the caller, then answers the request. Both calls go to one store, so the worker
/// can run them on one connection.
pub async fn admin<A: AccountStore>(
    accounts: &A,
    caller: &UserId,
    session: &SessionId,
    request: AdminRequest<'_>,
    profile: ApiProfile,
) -> Result<AdminAnswer, AdminError> {
    let me = accounts
        .profile(caller, session)
        .await
        .map_err(AdminError::Backend)?
        .ok_or(AdminError::SessionGone)?;
    if !profile.may_administer(&me.scope) {
        return Err(AdminError::Forbidden(me.scope));
    }
    match request {
        AdminRequest::Get(id) => {
            let id = UserId::parse(id).map_err(|_| AdminError::NoSuchUser)?;
            let user = accounts.find_user(&id).await.map_err(AdminError::Backend)?;
            user.map(AdminAnswer::User).ok_or(AdminError::NoSuchUser)
        }
        AdminRequest::List(query) => accounts
            .list_users(query)
            .await
            .map(AdminAnswer::Page)
            .map_err(AdminError::Backend),
    }
}

impl From<BackendError> for AdminError {
    fn from(error: BackendError) -> Self {
        AdminError::Backend(error)
    }
}

impl AdminError {
    pub fn problem(&self) -> Problem {
        Problem::new(match self {
            AdminError::SessionGone => {
                ErrorBody::new(ErrorCode::Unauthorized, "session is no longer active")
            }
            AdminError::Forbidden(_) => {
                ErrorBody::new(ErrorCode::Forbidden, "superadmin scope required")
            }
            AdminError::NoSuchUser => ErrorBody::new(ErrorCode::NotFound, "user not found"),
            AdminError::Backend(error) => super::backend_body(error),
        })
    }
}

#[cfg(test)]
mod tests;
