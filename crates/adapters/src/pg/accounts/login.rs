//! Login (the phone's claim, then the account write) and the operator's scope change.

use super::{malformed, user_at, PgAccountStore};
use crate::pg::catalogue::{CLAIM_PHONE, LOGIN, PHONE_OWNER, SET_SCOPE};
use crate::pg::PgError;
use auth_core::domain::account::{Scope, UserId};
use auth_core::ports::{LoginAccount, NewLogin};
use tokio_postgres::types::Type;

/// SQLSTATE of a unique violation: here, two first logins of one phone at the same instant.
const UNIQUE_VIOLATION: &str = "23505";

/// What the account write of a login came to.
enum Written {
    Account(LoginAccount),
    /// The claim (or the hint) is stale: its user is deleted, has another number, or (a
    /// hint's only) does not exist here. Nothing was written.
    Stale,
}

impl PgAccountStore<'_> {
    /// Two statements, each on one shard when distributed: the phone's claim (by phone), then
    /// the account write (by user id). A claim whose write failed is finished by the phone's
    /// next login, which finds the claim and writes the account.
    /// A stale claim is released and the phone claimed anew, once: this login then makes a new
    /// user. A claim is stale when it names a deleted user (a deletion stopped before releasing
    /// it, or ran beside this login) or a user who moved to another number.
    ///
    /// A login that brings the account its number's last login reached (`known_account`, the
    /// OTP store's hint) tries that account first, in one statement that creates nothing: it
    /// signs in only a live user who has this number, else answers, unwritten, why not
    /// ('deleted', 'moved', 'unknown'), and the login takes the claim's path as if it had
    /// no hint. Since a user has a number only while its claim names them, a hint can save a
    /// statement but never reach another account than the claim would.
    pub(super) async fn log_in(&self, login: &NewLogin<'_>) -> Result<LoginAccount, PgError> {
        if let Some(known) = login.known_account {
            let token = login.refresh_token(known);
            if let Written::Account(account) =
                self.write_account(login, known, &token.hash, None).await?
            {
                return Ok(account);
            }
        }
        let user_id = self.claim(login).await?;
        match self.account_of(login, &user_id).await? {
            Written::Account(account) => Ok(account),
            Written::Stale => {
                self.release_phone(login.phone.as_e164(), &user_id).await?;
                let user_id = self.claim(login).await?;
                match self.account_of(login, &user_id).await? {
                    Written::Account(account) => Ok(account),
                    Written::Stale => Err(PgError::Server {
                        code: "P0001".into(),
                        message: "the phone's claim was stale twice".into(),
                    }),
                }
            }
        }
    }

    /// The phone's account id, claiming the login's candidate id when the phone has none.
    async fn claim(&self, login: &NewLogin<'_>) -> Result<UserId, PgError> {
        let phone = login.phone.as_e164();
        let candidate = login.new_user_id.as_str();
        let claim = CLAIM_PHONE
            .row(
                self.client,
                &[(&phone, Type::TEXT), (&candidate, Type::TEXT)],
            )
            .await?;
        let claimed: String = claim.get(0);
        UserId::parse(&claimed).map_err(|e| malformed(&e))
    }

    async fn account_of(&self, login: &NewLogin<'_>, user_id: &UserId) -> Result<Written, PgError> {
        let token = login.refresh_token(user_id);
        let scope = Some(login.new_user_scope.as_str());
        match self.write_account(login, user_id, &token.hash, scope).await {
            // A first login of this phone running beside this one made the user; now it is found.
            Err(PgError::Server { code, .. }) if code == UNIQUE_VIOLATION => {
                self.write_account(login, user_id, &token.hash, scope).await
            }
            other => other,
        }
    }

    /// The account write; `new_user_scope` `None` creates no user (a hint's try).
    async fn write_account(
        &self,
        l: &NewLogin<'_>,
        user_id: &UserId,
        token_hash: &[u8; 32],
        new_user_scope: Option<&str>,
    ) -> Result<Written, PgError> {
        let (phone, user_id) = (l.phone.as_e164(), user_id.as_str());
        let scope = new_user_scope;
        let row = LOGIN
            .row(
                self.client,
                &[
                    (&user_id, Type::TEXT),
                    (&phone, Type::TEXT),
                    (&l.session.as_str(), Type::TEXT),
                    (&token_hash.as_slice(), Type::BYTEA),
                    (&(l.refresh_expires_at as f64), Type::FLOAT8),
                    (&l.user_agent, Type::TEXT),
                    (&l.client_ip, Type::TEXT),
                    (&scope, Type::TEXT),
                ],
            )
            .await?;
        let refusal: Option<&str> = row.get(6);
        if matches!(refusal, Some("deleted" | "moved" | "unknown")) {
            return Ok(Written::Stale);
        }
        let user = user_at(&row, 0)?;
        Ok(Written::Account(match refusal {
            Some("blocked") => LoginAccount::Blocked(user),
            Some(other) => return Err(malformed(&format!("login refusal {other:?}"))),
            None if row.get(5) => LoginAccount::Created(user),
            None => LoginAccount::Found(user),
        }))
    }

    /// The user the phone's claim names (by phone), if any.
    pub(super) async fn owner_of(&self, phone: &str) -> Result<Option<UserId>, PgError> {
        let owner = PHONE_OWNER
            .rows(self.client, &[(&phone, Type::TEXT)])
            .await?;
        owner
            .first()
            .map(|r| UserId::parse(&r.get::<_, String>(0)).map_err(|e| malformed(&e)))
            .transpose()
    }

    /// The operator's scope change (`auth-ops set-scope`): the owner of the phone (by phone),
    /// then the change with its audit row (by user id). `None` when no user has the phone.
    pub async fn set_scope(&self, phone: &str, scope: &Scope) -> Result<Option<UserId>, PgError> {
        let Some(user_id) = self.owner_of(phone).await? else {
            return Ok(None);
        };
        let user_id = user_id.as_str();
        let scope = scope.as_str();
        let changed = SET_SCOPE
            .rows(self.client, &[(&user_id, Type::TEXT), (&scope, Type::TEXT)])
            .await?;
        changed
            .first()
            .map(|r| UserId::parse(&r.get::<_, String>(0)).map_err(|e| malformed(&e)))
            .transpose()
    }
}
