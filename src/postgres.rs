//! One Postgres connection per request, through the Hyperdrive binding.
//!
//! A connection cannot outlive its request on Workers, and locally miniflare's Hyperdrive proxy
//! crashes the whole `wrangler dev` process when a request ends with a connection still open. So
//! [`with_client`] owns the connection for exactly the span of the work: it drives the connection
//! and the work together, drops the client when the work is done (which makes the connection
//! say goodbye to the server), and closes the socket before returning, on success, on error and
//! on timeout alike.

use crate::config::{Config, PostgresTls, HYPERDRIVE_BINDING};
use futures::future::{select, Either};
use std::cell::RefCell;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio_postgres::Client;
use worker::{Delay, Env, SecureTransport, Socket};

/// Why the database could not be used for this request. Messages carry no connection string.
#[derive(Debug)]
pub enum ConnectError {
    Binding(String),
    Connect(String),
    TimedOut,
}

impl std::fmt::Display for ConnectError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ConnectError::Binding(e) => write!(f, "hyperdrive binding unusable: {e}"),
            ConnectError::Connect(e) => write!(f, "connection failed: {e}"),
            ConnectError::TimedOut => write!(f, "timed out"),
        }
    }
}

/// Connects, runs `work` with the client, and closes the connection, all within `limit`.
pub async fn with_client<T>(
    env: &Env,
    config: &Config,
    limit: Duration,
    work: impl AsyncFnOnce(&Client) -> T,
) -> Result<T, ConnectError> {
    let hyperdrive = env
        .hyperdrive(HYPERDRIVE_BINDING)
        .map_err(|e| ConnectError::Binding(e.to_string()))?;
    let pg_config: tokio_postgres::Config = hyperdrive
        .connection_string()
        .parse()
        .map_err(|_| ConnectError::Binding("connection string does not parse".into()))?;
    let transport = match config.postgres_tls {
        PostgresTls::Off => SecureTransport::Off,
        PostgresTls::StartTls => SecureTransport::StartTls,
    };
    let socket = Socket::builder()
        .secure_transport(transport)
        .connect(hyperdrive.host(), hyperdrive.port())
        .map_err(|e| ConnectError::Connect(e.to_string()))?;
    let socket = SharedSocket(Rc::new(RefCell::new(Some(socket))));
    let closer = socket.clone();

    let session = async {
        match config.postgres_tls {
            PostgresTls::Off => drive(&pg_config, socket, tokio_postgres::NoTls, work).await,
            PostgresTls::StartTls => drive(&pg_config, socket, StartTlsUpgrade, work).await,
        }
    };
    let outcome = match select(Box::pin(session), Delay::from(limit)).await {
        Either::Left((result, _)) => result,
        Either::Right(((), _)) => Err(ConnectError::TimedOut),
    };
    // Every future that used the socket is finished or dropped by now, so this borrow is alone.
    // Closing an already-closed socket fails harmlessly.
    let socket = closer.0.borrow_mut().take();
    if let Some(mut socket) = socket {
        let _ = socket.close().await;
    }
    outcome
}

/// Runs the startup handshake, then the work and the connection's I/O together until both end.
async fn drive<T, Tls>(
    pg_config: &tokio_postgres::Config,
    socket: SharedSocket,
    tls: Tls,
    work: impl AsyncFnOnce(&Client) -> T,
) -> Result<T, ConnectError>
where
    Tls: tokio_postgres::tls::TlsConnect<SharedSocket>,
{
    let (client, connection) = pg_config
        .connect_raw(socket, tls)
        .await
        .map_err(|e| ConnectError::Connect(e.to_string()))?;
    // The connection future does the I/O; the work only queues requests on the client. Driving
    // both in one future (instead of spawning the connection) keeps the connection from
    // outliving the request. Dropping the client makes the connection send Terminate and end.
    let work = async move {
        let out = work(&client).await;
        drop(client);
        out
    };
    let (out, _) = futures::join!(work, connection);
    Ok(out)
}

/// A socket with a second handle, so it can be closed after the connection future is dropped.
/// Workers run one thread per isolate, so `Rc<RefCell<_>>` is enough. The `Option` lets the
/// STARTTLS upgrade swap the plain socket for the TLS one in place.
#[derive(Clone)]
struct SharedSocket(Rc<RefCell<Option<Socket>>>);

impl SharedSocket {
    fn with<R>(
        &self,
        f: impl FnOnce(Pin<&mut Socket>) -> Poll<std::io::Result<R>>,
    ) -> Poll<std::io::Result<R>> {
        match self.0.borrow_mut().as_mut() {
            Some(socket) => f(Pin::new(socket)),
            None => Poll::Ready(Err(std::io::Error::from(std::io::ErrorKind::NotConnected))),
        }
    }
}

impl AsyncRead for SharedSocket {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        self.with(|s| s.poll_read(cx, buf))
    }
}

impl AsyncWrite for SharedSocket {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        self.with(|s| s.poll_write(cx, buf))
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        self.with(|s| s.poll_flush(cx))
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        self.with(|s| s.poll_shutdown(cx))
    }
}

/// STARTTLS for [`SharedSocket`]: the Workers runtime does the TLS, so the upgrade only asks it
/// to start and swaps in the upgraded socket (the same as `worker::postgres_tls::PassthroughTls`,
/// which only accepts a bare `Socket`).
struct StartTlsUpgrade;

impl tokio_postgres::tls::TlsConnect<SharedSocket> for StartTlsUpgrade {
    type Stream = SharedSocket;
    type Error = std::io::Error;
    type Future = std::future::Ready<Result<SharedSocket, std::io::Error>>;

    fn connect(self, stream: SharedSocket) -> Self::Future {
        let plain = stream.0.borrow_mut().take();
        let result = match plain {
            Some(plain) => {
                *stream.0.borrow_mut() = Some(plain.start_tls());
                Ok(stream)
            }
            None => Err(std::io::Error::from(std::io::ErrorKind::NotConnected)),
        };
        std::future::ready(result)
    }
}

impl tokio_postgres::tls::TlsStream for SharedSocket {
    fn channel_binding(&self) -> tokio_postgres::tls::ChannelBinding {
        tokio_postgres::tls::ChannelBinding::none()
    }
}
