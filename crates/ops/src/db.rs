//! A connection to PostgreSQL, and a runtime to use one from synchronous code.

/// Runs a future to completion on a fresh single-threaded runtime in its own thread, so it works
/// from synchronous code and from inside another runtime alike (the end-to-end tests call the
/// stack functions from async tests).
pub fn block_on<F>(future: F) -> F::Output
where
    F: std::future::Future + Send,
    F::Output: Send,
{
    std::thread::scope(|scope| {
        scope
            .spawn(|| {
                tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .expect("a tokio runtime")
                    .block_on(future)
            })
            .join()
            .expect("the runtime thread panicked")
    })
}

/// A Postgres error with the server's own message when there is one.
pub fn pg_message(err: &tokio_postgres::Error) -> String {
    match err.as_db_error() {
        Some(db) => format!("{} ({})", db.message(), db.code().code()),
        None => err.to_string(),
    }
}

/// A connection to `url`, its driver spawned on the current runtime; `what` names the database
/// in the error.
pub async fn connect(url: &str, what: &str) -> crate::Result<tokio_postgres::Client> {
    let (client, connection) = tokio_postgres::connect(url, tokio_postgres::NoTls)
        .await
        .map_err(|e| format!("cannot connect to {what}: {}", pg_message(&e)))?;
    tokio::spawn(connection);
    Ok(client)
}
