//! One Postgres connection per request, through the Hyperdrive binding.
//!
//! A connection cannot outlive its request on Workers, and locally miniflare's Hyperdrive proxy
//! crashes the whole `wrangler dev` process when a request ends with a connection still open. So
//! [`with_client`] owns the connection for exactly the span of the work: it drives the connection
//! and the work together, drops the client when the work is done (which makes the connection
//! say goodbye to the server), and closes the socket before returning, on success, on error and
//! on timeout alike.
//!
//! The socket is the runtime's own (`cloudflare:sockets`), read and written through
//! [`WebStreamPair`], which takes the streams' reader and writer once for the connection rather
//! than once per read and write as `worker::Socket` does (BENCHMARKS.md, "Where the CPU goes").

use crate::config::{Config, PostgresTls};
use auth_adapters::web_streams::{io_error, WebStreamPair};
use auth_core::domain::regions::RegionId;
use futures::future::{select, Either};
use js_sys::{Object, Reflect};
use std::cell::RefCell;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio_postgres::Client;
use wasm_bindgen::JsValue;
use wasm_bindgen_futures::JsFuture;
use worker::{worker_sys, Delay, Env};

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

/// Connects to `region`'s database, runs `work` with the client, and closes the connection,
/// all within `limit`.
pub async fn with_client<T>(
    env: &Env,
    config: &Config,
    region: RegionId,
    limit: Duration,
    work: impl AsyncFnOnce(&Client) -> T,
) -> Result<T, ConnectError> {
    let hyperdrive = env
        .hyperdrive(&config.backends_of(region).hyperdrive_binding)
        .map_err(|e| ConnectError::Binding(e.to_string()))?;
    let pg_config: tokio_postgres::Config = hyperdrive
        .connection_string()
        .parse()
        .map_err(|_| ConnectError::Binding("connection string does not parse".into()))?;
    let transport = match config.postgres_tls {
        PostgresTls::Off => "off",
        PostgresTls::StartTls => "starttls",
    };
    let socket = TcpSocket::connect(&hyperdrive.host(), hyperdrive.port(), transport)
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
    if let Some(socket) = socket {
        socket.close().await;
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

/// The runtime's TCP socket and its streams, taken once.
struct TcpSocket {
    raw: worker_sys::Socket,
    streams: WebStreamPair,
}

impl TcpSocket {
    /// `connect()` of `cloudflare:sockets`; `transport` is its `secureTransport` option.
    fn connect(host: &str, port: u16, transport: &str) -> std::io::Result<Self> {
        let object = |fields: &[(&str, JsValue)]| {
            let o = Object::new();
            for (name, value) in fields {
                Reflect::set(&o, &JsValue::from_str(name), value).map_err(io_error)?;
            }
            Ok::<_, std::io::Error>(JsValue::from(o))
        };
        let address = object(&[("hostname", host.into()), ("port", port.into())])?;
        let options = object(&[("secureTransport", transport.into())])?;
        Self::wrap(worker_sys::connect(address, options).map_err(io_error)?)
    }

    fn wrap(raw: worker_sys::Socket) -> std::io::Result<Self> {
        let streams = WebStreamPair::new(
            &raw.readable().map_err(io_error)?,
            &raw.writable().map_err(io_error)?,
        )?;
        Ok(Self { raw, streams })
    }

    /// The same connection under TLS (the runtime does the TLS); the plain streams go back
    /// first, as `startTls` wants them unlocked.
    fn start_tls(self) -> std::io::Result<Self> {
        self.streams.release()?;
        Self::wrap(self.raw.start_tls().map_err(io_error)?)
    }

    /// Closes both directions; closing a closed socket fails harmlessly, so errors are dropped.
    async fn close(self) {
        if let Ok(closed) = self.raw.close() {
            let _ = JsFuture::from(closed).await;
        }
    }
}

/// A socket with a second handle, so it can be closed after the connection future is dropped.
/// Workers run one thread per isolate, so `Rc<RefCell<_>>` is enough. The `Option` lets the
/// STARTTLS upgrade swap the plain socket for the TLS one in place.
#[derive(Clone)]
struct SharedSocket(Rc<RefCell<Option<TcpSocket>>>);

impl SharedSocket {
    fn with<R>(
        &self,
        f: impl FnOnce(Pin<&mut WebStreamPair>) -> Poll<std::io::Result<R>>,
    ) -> Poll<std::io::Result<R>> {
        match self.0.borrow_mut().as_mut() {
            Some(socket) => f(Pin::new(&mut socket.streams)),
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
/// which only accepts a `worker::Socket`).
struct StartTlsUpgrade;

impl tokio_postgres::tls::TlsConnect<SharedSocket> for StartTlsUpgrade {
    type Stream = SharedSocket;
    type Error = std::io::Error;
    type Future = std::future::Ready<Result<SharedSocket, std::io::Error>>;

    fn connect(self, stream: SharedSocket) -> Self::Future {
        let plain = stream.0.borrow_mut().take();
        let result = match plain.map(TcpSocket::start_tls) {
            Some(Ok(tls)) => {
                *stream.0.borrow_mut() = Some(tls);
                Ok(stream)
            }
            Some(Err(e)) => Err(e),
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
