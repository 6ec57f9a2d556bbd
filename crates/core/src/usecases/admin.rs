//! The admin endpoints: `GET /api/v1/users` and `GET /api/v1/users/{id}`, and for a superadmin
//! `POST /api/v1/users/{id}/scope`, `GET /api/v1/users/{id}/sessions`, blocking
//! (`POST`/`DELETE /api/v1/users/{id}/block`) and `DELETE /api/v1/users/{id}`. The caller must hold
//! a live session, and its scope, read from the store on each request (so an operator's change
//! applies at once), must be allowed to administer: that decision is [`Scope::may_administer`]
//! (and the profile's reading of it for the reads), here in core, never in SQL.

use super::Problem;
use crate::domain::account::{Scope, User, UserId};
use crate::domain::admin::UserQuery;
use crate::domain::phone::PhoneNumber;
use crate::domain::session::SessionId;
use crate::http::api_profile::ApiProfile;
use crate::http::error::{ErrorBody, ErrorCode};
use crate::ports::{
    AccountLender, AccountStore, BackendError, BlockChange, DeleteOutcome, Deletion, SessionInfo,
    UserPage,
};

/// What the admin asks for.
#[derive(Debug, Clone, Copy)]
pub enum AdminRequest<'a> {
    List(&'a UserQuery),
    /// One user, by the path's `{id}` as given (anything that is not a user id is not found).
    Get(&'a str),
    /// A superadmin sets a user's scope (the body's `scope`, as given).
    SetScope {
        id: &'a str,
        scope: &'a str,
    },
    /// A superadmin reads a user's live sessions.
    Sessions(&'a str),
    /// A superadmin blocks (`true`) or unblocks a user.
    SetBlocked {
        id: &'a str,
        blocked: bool,
    },
    /// A superadmin deletes a user.
    Delete(&'a str),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AdminAnswer {
    User(User),
    Page(UserPage),
    Sessions(Vec<SessionInfo>),
    Blocked(BlockChange),
    /// The user is gone; the number it had, for the OTP store to forget.
    Deleted {
        freed: PhoneNumber,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AdminError {
    #[error("the caller's session is not live")]
    SessionGone,
    #[error("scope {0:?} may not administer")]
    Forbidden(Scope),
    #[error("no such user")]
    NoSuchUser,
    #[error("not a scope")]
    BadScope,
    /// A superadmin's block or deletion of their own account: it would lock them out (a user
    /// deletes their own account with `DELETE /api/v1/users/me`).
    #[error("an admin's own account")]
    OwnAccount,
    /// A page of the listing past what merging every region's pages may read (`across`).
    #[error("page too deep to merge across regions")]
    TooDeep,
    #[error(transparent)]
    Backend(BackendError),
}

/// Authorizes the caller, then answers the request, every call on one borrowed store (one
/// connection).
pub async fn admin<A: AccountLender>(
    accounts: &A,
    caller: &UserId,
    session: &SessionId,
    request: AdminRequest<'_>,
    profile: ApiProfile,
) -> Result<AdminAnswer, AdminError> {
    accounts
        .lend(async |store| admin_across(store, &[store], caller, session, request, profile).await)
        .await
}

/// [`admin`] in a deployment with data regions: the caller is authorized in `home`, their own
/// region; a user named by id is looked for in every region of `all` and changed where found;
/// the listing asks every region and merges their pages (`across`). With one region in `all`
/// this is exactly [`admin`]. Each region's calls borrow a store of their own.
pub async fn admin_across<A: AccountLender>(
    home: &A,
    all: &[&A],
    caller: &UserId,
    session: &SessionId,
    request: AdminRequest<'_>,
    profile: ApiProfile,
) -> Result<AdminAnswer, AdminError> {
    let me = home
        .lend(async |s| s.user_of_session(caller, session).await)
        .await?
        .ok_or(AdminError::SessionGone)?;
    // Changing a scope and reading a user's sessions are a superadmin's, under every profile.
    let superadmin_only = matches!(
        request,
        AdminRequest::SetScope { .. }
            | AdminRequest::Sessions(_)
            | AdminRequest::SetBlocked { .. }
            | AdminRequest::Delete(_)
    );
    if !profile.may_administer(&me.scope) || (superadmin_only && !me.scope.may_administer()) {
        return Err(AdminError::Forbidden(me.scope));
    }
    match request {
        AdminRequest::SetScope { id, scope } => {
            let scope = Scope::parse(scope).map_err(|_| AdminError::BadScope)?;
            let id = UserId::parse(id).map_err(|_| AdminError::NoSuchUser)?;
            let accounts = across::holder(all, &id).await?;
            let changed = accounts
                .lend(async |s| s.set_scope_by(&id, &scope, &me.id).await)
                .await?;
            changed.map(AdminAnswer::User).ok_or(AdminError::NoSuchUser)
        }
        AdminRequest::SetBlocked { id, blocked } => {
            let id = UserId::parse(id).map_err(|_| AdminError::NoSuchUser)?;
            if id == me.id {
                return Err(AdminError::OwnAccount);
            }
            let accounts = across::holder(all, &id).await?;
            let changed = accounts
                .lend(async |s| s.set_blocked_by(&id, blocked, &me.id).await)
                .await?;
            changed
                .map(AdminAnswer::Blocked)
                .ok_or(AdminError::NoSuchUser)
        }
        AdminRequest::Delete(id) => {
            let id = UserId::parse(id).map_err(|_| AdminError::NoSuchUser)?;
            if id == me.id {
                return Err(AdminError::OwnAccount);
            }
            let accounts = across::holder(all, &id).await?;
            let by = Deletion::ByAdmin(&me.id);
            match accounts
                .lend(async |s| s.delete_account(&id, by).await)
                .await?
            {
                DeleteOutcome::Deleted { freed } => Ok(AdminAnswer::Deleted { freed }),
                // Own-session outcomes cannot come from an admin's deletion.
                DeleteOutcome::NoSuchUser
                | DeleteOutcome::SessionGone
                | DeleteOutcome::NotRecent => Err(AdminError::NoSuchUser),
            }
        }
        AdminRequest::Sessions(id) => {
            let id = UserId::parse(id).map_err(|_| AdminError::NoSuchUser)?;
            let accounts = across::holder(all, &id).await?;
            accounts
                .lend(async |s| {
                    if s.find_user(&id).await?.is_none() {
                        return Err(AdminError::NoSuchUser);
                    }
                    Ok(AdminAnswer::Sessions(s.user_sessions(&id, &me.id).await?))
                })
                .await
        }
        AdminRequest::Get(id) => {
            let id = UserId::parse(id).map_err(|_| AdminError::NoSuchUser)?;
            let accounts = across::holder(all, &id).await?;
            let user = accounts.lend(async |s| s.find_user(&id).await).await?;
            user.map(AdminAnswer::User).ok_or(AdminError::NoSuchUser)
        }
        AdminRequest::List(query) => across::list(all, query).await.map(AdminAnswer::Page),
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
            AdminError::SessionGone => super::session_gone(),
            AdminError::Forbidden(_) => {
                ErrorBody::new(ErrorCode::Forbidden, "superadmin scope required")
            }
            AdminError::NoSuchUser => ErrorBody::new(ErrorCode::NotFound, "user not found"),
            AdminError::OwnAccount => ErrorBody::new(
                ErrorCode::InvalidRequest,
                "an admin cannot block or delete their own account here; use DELETE /api/v1/users/me",
            ),
            AdminError::TooDeep => ErrorBody::new(
                ErrorCode::InvalidRequest,
                format!(
                    "across data regions the listing reaches its first {} users; narrow it with \
                     date_from, date_to or search_phone",
                    across::MAX_MERGED_ROWS
                ),
            ),
            AdminError::BadScope => ErrorBody::new(
                ErrorCode::InvalidRequest,
                "scope must be empty or lower-case letters and underscores, e.g. admin",
            ),
            AdminError::Backend(error) => super::backend_body(error),
        })
    }
}

mod across;

#[cfg(test)]
mod tests;
