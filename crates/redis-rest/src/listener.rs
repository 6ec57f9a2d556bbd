//! Accepting connections under two limits: at most `max_connections` at once (the rest wait in
//! the kernel's accept backlog), and `header_timeout` for each request head. A client that
//! trickles its headers (slowloris) is cut off at the deadline, so it cannot hold a slot; the
//! body's deadline is applied where the body is read (`server.rs`). Also binding the address,
//! and shutting down on SIGINT or SIGTERM.

use crate::config::Config;
use crate::http::log_line;
use crate::server::{router, Gateway};
use axum::body::Body;
use axum::Router;
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::Request;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use serde_json::json;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::sync::Semaphore;
use tower::Service;

/// Binds `config.listen` and serves until SIGINT or SIGTERM, finishing requests in flight.
pub async fn serve(config: Config) -> std::io::Result<()> {
    let gateway = Arc::new(Gateway::new(&config).map_err(std::io::Error::other)?);
    let listener = tokio::net::TcpListener::bind(config.listen).await?;
    log_line(json!({
        "level": "info",
        "msg": "listening",
        "addr": listener.local_addr()?.to_string(),
        "pool_size": config.pool_size,
    }));
    serve_connections(
        listener,
        router(gateway),
        limits(&config),
        shutdown_signal(),
    )
    .await;
    Ok(())
}

fn limits(config: &Config) -> Limits {
    Limits {
        max_connections: config.max_connections,
        header_timeout: config.header_timeout,
    }
}

/// Binds `config.listen` (port 0 picks a free one) and serves on a background tokio task for the
/// rest of the runtime's life. Returns the bound address. For running the gateway inside another
/// program, such as the integration tests of its clients.
pub async fn spawn(config: &Config) -> std::io::Result<std::net::SocketAddr> {
    let gateway = Arc::new(Gateway::new(config).map_err(std::io::Error::other)?);
    let listener = tokio::net::TcpListener::bind(config.listen).await?;
    let addr = listener.local_addr()?;
    let limits = limits(config);
    tokio::spawn(serve_connections(
        listener,
        router(gateway),
        limits,
        std::future::pending(),
    ));
    Ok(addr)
}

async fn shutdown_signal() {
    let interrupt = tokio::signal::ctrl_c();
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = interrupt => {},
        _ = terminate => {},
    }
}

/// How long requests in flight may take to finish once shutdown is asked for.
const DRAIN: Duration = Duration::from_secs(10);

#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub max_connections: usize,
    pub header_timeout: Duration,
}

/// Serves `router` on `listener` until `shutdown` completes, then lets requests in flight finish.
async fn serve_connections(
    listener: TcpListener,
    router: Router,
    limits: Limits,
    shutdown: impl Future<Output = ()>,
) {
    let slots = Arc::new(Semaphore::new(limits.max_connections));
    let graceful = GracefulShutdown::new();
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let slot = tokio::select! {
            slot = Arc::clone(&slots).acquire_owned() => slot.expect("the semaphore is never closed"),
            () = &mut shutdown => break,
        };
        let stream = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => stream,
                // Out of file descriptors and the like: pause rather than spin.
                Err(_) => {
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let router = router.clone();
        let service = hyper::service::service_fn(move |request: Request<Incoming>| {
            let mut router = router.clone();
            async move { router.call(request.map(Body::new)).await }
        });
        let connection = http1::Builder::new()
            .timer(TokioTimer::new())
            .header_read_timeout(limits.header_timeout)
            .serve_connection(TokioIo::new(stream), service);
        let connection = graceful.watch(connection);
        tokio::spawn(async move {
            // A cut-off or reset connection is the client's business; the slot is freed either way.
            let _ = connection.await;
            drop(slot);
        });
    }
    let _ = tokio::time::timeout(DRAIN, graceful.shutdown()).await;
}
