//! `GET /api/v1/passkeys` and `DELETE /api/v1/passkeys/{id}`: a user's own passkeys, listed
//! and removed from a live session.

use super::PasskeyError;
use crate::config::settings::Settings;
use crate::domain::account::UserId;
use crate::domain::passkey::CredentialId;
use crate::domain::session::SessionId;
use crate::domain::time::rfc3339;
use crate::ports::{AccountLender, PasskeyInfo, PasskeyRemoval, PasskeyStore};
use serde_json::{json, Value};

/// A passkey as the contract shows it.
pub fn passkey_json(passkey: &PasskeyInfo) -> Value {
    json!({
        "id": passkey.credential.to_base64url(),
        "name": passkey.name,
        "transports": passkey.transports,
        "created_at": rfc3339(passkey.created_at),
        "last_used_at": passkey.last_used_at.map(rfc3339),
    })
}

/// The caller's passkeys, oldest first.
pub async fn list<A: AccountLender>(
    accounts: &A,
    user: &UserId,
    session: &SessionId,
) -> Result<Vec<PasskeyInfo>, PasskeyError> {
    let listed = accounts
        .lend(async |s| s.passkeys(user, session).await)
        .await?;
    Ok(listed.ok_or(PasskeyError::SessionGone)?.passkeys)
}

/// Removes one of the caller's passkeys, from a session that logged in recently (the number
/// change's `PHONE_CHANGE_MAX_AUTH_AGE_SECONDS`, as a registration): a stolen access token of
/// an old session cannot strip the user's passkeys and push them back to codes by SMS. `id` is
/// its credential id as the list shows it; one that does not parse is no passkey of the
/// caller's either.
pub async fn remove<A: AccountLender>(
    accounts: &A,
    settings: &Settings,
    user: &UserId,
    session: &SessionId,
    id: &str,
) -> Result<(), PasskeyError> {
    let credential = CredentialId::parse(id).map_err(|_| PasskeyError::NotFound)?;
    let max_age = settings.phone_change_max_auth_age_secs;
    let removed = accounts
        .lend(async |s| s.remove_passkey(user, session, max_age, &credential).await)
        .await?;
    match removed {
        PasskeyRemoval::Removed => Ok(()),
        PasskeyRemoval::NotFound => Err(PasskeyError::NotFound),
        PasskeyRemoval::SessionGone => Err(PasskeyError::SessionGone),
        PasskeyRemoval::NotRecent => Err(PasskeyError::NotRecent),
    }
}
