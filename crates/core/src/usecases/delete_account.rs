//! `DELETE /api/v1/users/me`: a user deletes their own account. The session must be live and
//! must have logged in recently (`DELETE_ACCOUNT_MAX_AUTH_AGE_SECONDS`): a stolen access token
//! of an old session cannot erase an account, and a user whose session is older logs in again
//! (a fresh code) first. The store checks both in the statement that deletes. The answer is the
//! number the account had, for the OTP store to forget (`Ctx::forget_number` in the worker).

use super::Problem;
use crate::domain::account::UserId;
use crate::domain::phone::PhoneNumber;
use crate::domain::session::SessionId;
use crate::http::error::{ErrorBody, ErrorCode};
use crate::ports::{AccountLender, AccountStore, BackendError, DeleteOutcome, Deletion};

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DeleteAccountError {
    #[error("the caller's session is not live")]
    SessionGone,
    #[error("the session logged in more than {0}s ago")]
    NotRecent(u32),
    #[error(transparent)]
    Backend(BackendError),
}

pub async fn delete_own_account<A: AccountLender>(
    accounts: &A,
    user: &UserId,
    session: &SessionId,
    max_auth_age_secs: u32,
) -> Result<PhoneNumber, DeleteAccountError> {
    let by = Deletion::Own {
        session,
        max_auth_age_secs,
    };
    match accounts
        .lend(async |accounts| accounts.delete_account(user, by).await)
        .await
        .map_err(DeleteAccountError::Backend)?
    {
        DeleteOutcome::Deleted { freed } => Ok(freed),
        // A live session whose user is gone cannot be; either way the caller is nobody now.
        DeleteOutcome::SessionGone | DeleteOutcome::NoSuchUser => {
            Err(DeleteAccountError::SessionGone)
        }
        DeleteOutcome::NotRecent => Err(DeleteAccountError::NotRecent(max_auth_age_secs)),
    }
}

impl DeleteAccountError {
    pub fn problem(&self) -> Problem {
        Problem::new(match self {
            DeleteAccountError::SessionGone => super::session_gone(),
            DeleteAccountError::NotRecent(secs) => ErrorBody::new(
                ErrorCode::ReauthenticationRequired,
                "log in again (a fresh code) to delete this account",
            )
            .with_details(format!(
                "the session must have logged in within the last {secs} seconds"
            )),
            DeleteAccountError::Backend(error) => super::backend_body(error),
        })
    }
}

#[cfg(test)]
mod tests;
