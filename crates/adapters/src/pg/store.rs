//! Postgres errors sorted by what the caller should do, and the readiness probe's statement.

use tokio_postgres::Client;

/// A failed Postgres call, sorted by what the caller should do about it.
#[derive(Debug, thiserror::Error)]
pub enum PgError {
    /// The connection is gone or the server is not answering: the caller answers 503.
    #[error("postgres unavailable: {0}")]
    Unavailable(String),
    /// The server answered with an error: a bug or a schema mismatch.
    #[error("postgres error {code}: {message}")]
    Server { code: String, message: String },
}

impl From<tokio_postgres::Error> for PgError {
    fn from(err: tokio_postgres::Error) -> Self {
        // Server errors carry a SQLSTATE; everything else (closed, I/O, protocol) means the
        // database is not usable from here right now. Neither variant includes connection
        // parameters, so no password can leak through the message.
        match err.as_db_error() {
            Some(db) if means_unavailable(db.code().code()) => {
                PgError::Unavailable(format!("{} {}", db.code().code(), db.message()))
            }
            Some(db) => PgError::Server {
                code: db.code().code().to_owned(),
                message: db.message().to_owned(),
            },
            None => PgError::Unavailable(err.to_string()),
        }
    }
}

/// SQLSTATEs that say the database cannot serve right now, not that the statement is wrong:
/// class 08 (connection exception; a pooler that cannot reach the server answers 08P01, for
/// example PgBouncer's `query_wait_timeout`), 53300 (too many connections) and 57P01-57P03
/// (shutting down, crashed, starting up). The request answers 503 and can be retried.
fn means_unavailable(sqlstate: &str) -> bool {
    sqlstate.starts_with("08") || matches!(sqlstate, "53300" | "57P01" | "57P02" | "57P03")
}

/// The service's statements over one connected client. Borrowing the client (instead of owning
/// it) leaves connection lifetime to the caller: the worker must close it before the request ends.
pub struct PgStore<'c> {
    client: &'c Client,
}

impl<'c> PgStore<'c> {
    pub fn new(client: &'c Client) -> Self {
        Self { client }
    }

    /// One round trip that proves the database answers queries and has the schema applied.
    /// Returns the latest applied migration version.
    pub async fn ping(&self) -> Result<i64, PgError> {
        let row = super::catalogue::SCHEMA_VERSION
            .row(self.client, &[])
            .await?;
        Ok(row.get::<_, i64>(0))
    }
}

#[cfg(test)]
mod tests {
    use super::means_unavailable;

    #[test]
    fn connection_and_shutdown_states_mean_unavailable_and_statement_errors_do_not() {
        for state in [
            "08000", "08006", "08P01", "53300", "57P01", "57P02", "57P03",
        ] {
            assert!(means_unavailable(state), "{state}");
        }
        for state in ["23505", "42P01", "22P02", "40001", "P0002"] {
            assert!(!means_unavailable(state), "{state}");
        }
    }
}
