//! `auth-ops set-scope PHONE SCOPE`: the operator's way to grant or remove a scope. There is
//! deliberately no API for it.

use crate::db::{block_on, pg_message};
use auth_core::domain::account::Scope;
use auth_core::domain::phone::PhoneNumber;

/// Sets the scope of the user with this phone; returns the user's id.
pub fn set(database_url: &str, phone: &str, scope: &str) -> crate::Result<String> {
    let phone = PhoneNumber::parse(phone, None).map_err(|e| format!("{phone:?}: {e}"))?;
    let scope = Scope::parse(scope).map_err(|e| e.to_string())?;
    let phone = phone.as_e164().to_owned();
    block_on(async move {
        let (client, connection) = tokio_postgres::connect(database_url, tokio_postgres::NoTls)
            .await
            .map_err(|e| format!("cannot connect to the database: {}", pg_message(&e)))?;
        tokio::spawn(connection);
        // The adapter's statements, so the routing proof covers them too.
        let store = auth_adapters::pg::PgAccountStore::new(&client);
        let changed = store
            .set_scope(&phone, &scope)
            .await
            .map_err(|e| e.to_string())?;
        changed
            .map(|id| id.to_string())
            .ok_or_else(|| format!("no user has the phone {phone}; they must log in once first"))
    })
}
