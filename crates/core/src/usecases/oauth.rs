//! What the OAuth endpoints do with a token: revocation (RFC 7009) ends the session behind it,
//! introspection (RFC 7662) says whether it is live. The worker verifies an access token's
//! signature and expiry first (as for any bearer route) and hands over what it found; the
//! rules of what each finding means are here.

use crate::domain::account::{User, UserId};
use crate::domain::session::SessionId;
use crate::domain::token::Claims;
use crate::ports::{AccountLender, AccountStore, BackendError, UnixSeconds};
use crate::usecases::refresh::{logout, LogoutError};
use serde_json::{json, Value};

/// A token as presented to revocation, once the worker looked at it.
#[derive(Debug, Clone, Copy)]
pub enum Presented<'a> {
    /// A genuine access token, not expired: its user and session, and the DPoP key it is bound
    /// to, if any.
    Access {
        user: &'a UserId,
        session: &'a SessionId,
        bound_to: Option<&'a str>,
    },
    /// A refresh token, ours or one the Go service issued (or anything not shaped as a JWT).
    Refresh(&'a str),
    /// A JWT that is not a live token of ours: forged, expired, for another audience. There is
    /// nothing to revoke, and an expired token never ends the session it came from (whoever
    /// found an old token in a log must not be able to log its user out).
    Unusable,
}

/// Whether a presented token has the shape of a JWT (three dot-separated parts) rather than of
/// a refresh token, which never holds a dot. RFC 7009 lets the server ignore the client's hint.
pub fn looks_like_access_token(token: &str) -> bool {
    token.split('.').count() == 3
}

/// Ends the session behind the token. RFC 7009 §2.2: an unknown, invalid or already revoked
/// token is answered as revoked; only a backend's failure is an error. A refresh token that
/// was already rotated revokes its whole session, as its reuse on the refresh path does.
/// A token bound to a DPoP key revokes nothing unless `binding` is that key (the request
/// proved it): whoever stole a bound token cannot log its owner out with it either.
pub async fn revoke<A: AccountLender>(
    accounts: &A,
    presented: Presented<'_>,
    binding: Option<&str>,
) -> Result<(), BackendError> {
    match presented {
        Presented::Access { bound_to, .. } if bound_to.is_some() && bound_to != binding => Ok(()),
        Presented::Access { user, session, .. } => accounts
            .lend(async |s| s.revoke_session(user, session, session).await)
            .await
            .map(drop),
        Presented::Refresh(token) => match logout(accounts, Some(token), None, binding).await {
            Err(LogoutError::Backend(error)) => Err(error),
            Ok(()) | Err(_) => Ok(()),
        },
        Presented::Unusable => Ok(()),
    }
}

/// What a resource server learns of a token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Introspection {
    /// Expired, forged, not an access token, or its session is over (revoked, logged out,
    /// idle, its user blocked or deleted). RFC 7662 §2.2: nothing else is said.
    Inactive,
    /// The token's claims, and its user as the store has it now.
    Active { claims: Box<Claims>, user: User },
}

/// Whether a verified access token's session is live: one statement, the same check every
/// bearer route makes (a block or deletion ends the user's sessions, so it shows here too).
/// `verified` is `None` for a token the worker could not verify.
pub async fn introspect<A: AccountLender>(
    accounts: &A,
    verified: Option<Claims>,
) -> Result<Introspection, BackendError> {
    let Some(claims) = verified else {
        return Ok(Introspection::Inactive);
    };
    let (Ok(user), Ok(session)) = (UserId::parse(&claims.sub), SessionId::parse(&claims.sid))
    else {
        return Ok(Introspection::Inactive);
    };
    let live = accounts
        .lend(async |s| s.user_of_session(&user, &session).await)
        .await?;
    Ok(match live {
        Some(user) => Introspection::Active {
            claims: Box::new(claims),
            user,
        },
        None => Introspection::Inactive,
    })
}

impl Introspection {
    /// The RFC 7662 §2.2 answer. `scope` is the user's scope now (an operator's change applies
    /// at once, as on every bearer route), `sid` the session a resource server may key on.
    pub fn body(&self) -> Value {
        match self {
            Introspection::Inactive => json!({ "active": false }),
            Introspection::Active { claims, user } => {
                let mut body = json!({
                "active": true,
                "scope": user.scope.as_str(),
                "client_id": claims.client_id,
                "token_type": crate::domain::token::type_of(claims.jkt()),
                "exp": claims.exp,
                "iat": claims.iat,
                "sub": claims.sub,
                "aud": claims.aud,
                "iss": claims.iss,
                "jti": claims.jti,
                "sid": claims.sid,
                });
                // RFC 9449 §6.2: a bound token's key, for the resource server to hold the
                // caller's proof to.
                if let Some(jkt) = claims.jkt() {
                    body["cnf"] = json!({ "jkt": jkt });
                }
                // RFC 7662's `scope` lists scopes; an unscoped user has none to list.
                if user.scope.as_str().is_empty() {
                    body.as_object_mut().map(|b| b.remove("scope"));
                }
                body
            }
        }
    }

    /// How long the caller may cache the answer: an active one at most for the token's
    /// remaining life (RFC 7662 §4), an inactive one not at all.
    pub fn max_age_secs(&self, now: UnixSeconds) -> Option<i64> {
        match self {
            Introspection::Inactive => None,
            Introspection::Active { claims, .. } => Some((claims.exp - now).max(0)),
        }
    }
}

#[cfg(test)]
mod tests;
