//! Refresh-token rotation and logout: one statement each, on the shard of the user the token
//! names.

use super::{session_at, user_at, PgAccountStore};
use crate::pg::catalogue::{LOGOUT, ROTATE};
use crate::pg::PgError;
use auth_core::domain::secrets::PresentedToken;
use auth_core::domain::session::SessionId;
use auth_core::ports::{LogoutOutcome, LogoutScope, Rotation, RotationOutcome};
use tokio_postgres::types::Type;

impl PgAccountStore<'_> {
    pub(super) async fn rotate_token(&self, r: &Rotation<'_>) -> Result<RotationOutcome, PgError> {
        let row = ROTATE
            .row(
                self.client,
                &[
                    (&r.presented.user_id.as_str(), Type::TEXT),
                    (&r.presented.hash.as_slice(), Type::BYTEA),
                    (&r.successor_hash.as_slice(), Type::BYTEA),
                    (&r.session.map(SessionId::as_str), Type::TEXT),
                    (&(r.successor_expires_at as f64), Type::FLOAT8),
                    (&f64::from(r.grace_secs), Type::FLOAT8),
                    (&self.idle_secs, Type::FLOAT8),
                    (&self.client_ip, Type::TEXT),
                    (&self.user_agent, Type::TEXT),
                ],
            )
            .await?;
        let reused: i64 = row.get(0);
        let rotated: Option<String> = row.get(1);
        Ok(match rotated {
            Some(_) => RotationOutcome::Rotated {
                user: user_at(&row, 1)?,
                session: session_at(&row, 6)?,
                expires_at: row.get(7),
            },
            None if reused > 0 => RotationOutcome::Reused,
            None => RotationOutcome::Invalid,
        })
    }

    pub(super) async fn end_sessions(
        &self,
        token: &PresentedToken,
        scope: LogoutScope,
    ) -> Result<LogoutOutcome, PgError> {
        let scope = match scope {
            LogoutScope::Local => "local",
            LogoutScope::Others => "others",
            LogoutScope::Global => "global",
        };
        let row = LOGOUT
            .row(
                self.client,
                &[
                    (&token.user_id.as_str(), Type::TEXT),
                    (&token.hash.as_slice(), Type::BYTEA),
                    (&scope, Type::TEXT),
                    (&self.client_ip, Type::TEXT),
                    (&self.user_agent, Type::TEXT),
                ],
            )
            .await?;
        Ok(match (row.get::<_, i64>(0), row.get::<_, i64>(1)) {
            (0, 0) => LogoutOutcome::NotLive,
            (0, _) => LogoutOutcome::Reused,
            _ => LogoutOutcome::Ended,
        })
    }
}
