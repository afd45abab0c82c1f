//! One accepted connection, up to the request path every listener shares: the PROXY protocol
//! header or the TLS handshake first when the listener asks for one (each bounded by the
//! header read timeout), then hyper (HTTP/1, h2c, h2 over TLS) or the uwsgi packet reader,
//! both ending in `service::serve`.

use crate::connections::{Closed, Connections, Entry, Requests};
use crate::listeners::{Accepting, Protocol};
use crate::max_connections::MaxConnections;
use crate::metrics;
use crate::proxy_protocol::{read_header, ProxyHeader};
use crate::service::{serve, PerConnection, Shared};
use crate::socket::Socket;
use crate::transport::{LingerLimit, Transport};
use crate::{limits, pace::PaceLimit, tls, uwsgi};
use gateway_core::host::{log, Connection, Level};
use gateway_core::ErrorLog;
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto;
use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{ready, Context, Poll};
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::sync::Semaphore;

/// What every connection of a server needs, whatever its listener.
pub(crate) struct Serving {
    pub(crate) shared: Arc<Shared>,
    pub(crate) http: auto::Builder<TokioExecutor>,
    pub(crate) connections: Connections,
    pub(crate) header_read_timeout: Duration,
    pub(crate) max_head_size: usize,
    pub(crate) max_headers: usize,
    pub(crate) threads_per_connection: usize,
    pub(crate) send: PaceLimit,
    pub(crate) linger: LingerLimit,
    pub(crate) error_log: ErrorLog,
    pub(crate) max_connections: MaxConnections,
}

/// Accepts connections on `listener` until the task is aborted (at shutdown).
pub(crate) async fn accept_on(
    listener: Accepting,
    protocol: Protocol,
    serving: Arc<Serving>,
    counted: Arc<metrics::Listener>,
) {
    loop {
        let place = serving.max_connections.admit().await;
        let (socket, remote) = match listener.accept().await {
            Ok(accepted) => accepted,
            Err(error) => {
                log(Level::Warn, format_args!("accept failed: {error}"));
                tokio::time::sleep(limits::ACCEPT_ERROR_PAUSE).await;
                continue;
            }
        };
        // Held by the connection's task: its place and its count, until it ends.
        let open = (place, counted.opened());
        let serving = serving.clone();
        let local = listener.local;
        // Registered before the task runs, so that a shutdown that comes first waits for it
        // (a task dropped unpolled would reset a connection whose request was sent).
        let entry = serving.connections.open();
        match &protocol {
            Protocol::Http {
                proxy_protocol: true,
            } => {
                tokio::spawn(async move {
                    let _open = open;
                    proxied_http(entry, socket, local, remote, &serving).await;
                });
            }
            Protocol::Http {
                proxy_protocol: false,
            } => {
                // The connection's task is `http`'s future alone (see there).
                let transport = serving.transport(socket, &entry);
                tokio::spawn(serving.http(entry, transport, local, remote, false, open));
            }
            Protocol::Https(acceptor) => {
                let acceptor = acceptor.clone();
                tokio::spawn(async move {
                    let _open = open;
                    let transport = serving.transport(socket, &entry);
                    let handshake = acceptor.accept(transport);
                    match tokio::time::timeout(serving.header_read_timeout, handshake).await {
                        Ok(Ok(tls)) => serving.http(entry, tls, local, remote, true, ()).await,
                        Ok(Err(error)) => log(
                            Level::Warn,
                            format_args!("{} (from {})", tls::handshake_failure(&error), peer(remote)),
                        ),
                        Err(_) => tracing::debug!(
                            "closed a connection from {}: no TLS handshake within the header read timeout",
                            peer(remote)
                        ),
                    }
                });
            }
            Protocol::Uwsgi => {
                tokio::spawn(async move {
                    let _open = open;
                    let transport = serving.transport(socket, &entry);
                    uwsgi::connection::serve_connection(&serving, entry, transport, local).await;
                });
            }
        }
    }
}

/// A plain-HTTP connection whose listener expects a PROXY header: the header, then HTTP.
async fn proxied_http(
    entry: Entry,
    socket: Socket,
    mut local: Option<SocketAddr>,
    mut remote: Option<SocketAddr>,
    serving: &Serving,
) {
    let mut transport = serving.transport(socket, &entry);
    let header = read_header(&mut transport, serving.max_head_size);
    match tokio::time::timeout(serving.header_read_timeout, header).await {
        Ok(Ok(ProxyHeader::Proxied {
            source,
            destination,
        })) => {
            remote = Some(source);
            local = Some(destination);
        }
        Ok(Ok(ProxyHeader::Local)) => {}
        Ok(Err(error)) => {
            log(
                Level::Warn,
                format_args!("closed a connection from {}: {error}", peer(remote)),
            );
            return;
        }
        Err(_) => {
            tracing::debug!(
                "closed a connection from {}: no PROXY header within the header read timeout",
                peer(remote)
            );
            return;
        }
    }
    serving
        .http(entry, transport, local, remote, false, ())
        .await;
}

impl Serving {
    /// The socket with the send timeout and lingering close.
    fn transport(&self, socket: Socket, entry: &Entry) -> Transport {
        let metrics = self.shared.metrics.clone();
        Transport::new(socket, self.send, self.linger, entry.requests(), metrics)
    }

    /// What the requests of a connection share.
    pub(crate) fn per_connection(
        &self,
        requests: Requests,
        connection: Connection,
        https: bool,
        remote: Option<SocketAddr>,
    ) -> Arc<PerConnection> {
        let proxy = remote.filter(|remote| self.shared.proxies.trusts(remote.ip()));
        Arc::new(PerConnection {
            shared: self.shared.clone(),
            connection: Arc::new(connection.with_error_log(self.error_log.clone())),
            requests,
            app_threads: Semaphore::new(self.threads_per_connection),
            https,
            proxy,
        })
    }

    /// Serves HTTP/1 or HTTP/2 (h2c, or h2 chosen by ALPN) on `io` until it closes, and
    /// holds `held` (the connection's place and count) as long.
    ///
    /// Not an `async fn`: the connection is built here and the future is a struct, so that a
    /// plain-HTTP connection's task holds hyper's connection once. As `async` layers the
    /// task was 2,776 bytes (each layer kept its moved-away arguments beside the future it
    /// awaited; hyper's connection is 1,704), and an idle connection's memory is mostly
    /// its task and hyper's buffers.
    fn http<I, H>(
        &self,
        entry: Entry,
        io: I,
        local: Option<SocketAddr>,
        remote: Option<SocketAddr>,
        https: bool,
        held: H,
    ) -> impl Future<Output = ()> + Send + 'static
    where
        I: AsyncRead + AsyncWrite + Unpin + Send + 'static,
        H: Send + 'static,
    {
        let connection = Connection::new(local, remote).with_https(https);
        let conn = self.per_connection(entry.requests(), connection, https, remote);
        let service = hyper::service::service_fn(move |request| serve(request, conn.clone()));
        let serving = self
            .http
            .serve_connection(TokioIo::new(io), service)
            .into_owned();
        Served {
            serve: entry.serve(serving, |serving| serving.graceful_shutdown()),
            remote,
            _held: held,
        }
    }
}

pin_project_lite::pin_project! {
    /// A connection served (see [`Serving::http`]): logs how it ended.
    struct Served<S, H> {
        #[pin]
        serve: S,
        remote: Option<SocketAddr>,
        _held: H,
    }
}

impl<S, E, H> Future for Served<S, H>
where
    S: Future<Output = Result<Result<(), E>, Closed>>,
    E: std::fmt::Display,
{
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let this = self.project();
        let remote = *this.remote;
        match ready!(this.serve.poll(cx)) {
            Ok(Ok(())) => {}
            Ok(Err(error)) => {
                tracing::debug!("connection from {} ended: {error}", peer(remote))
            }
            Err(Closed) => tracing::debug!(
                "closed a connection from {}: no request head in time, or too slow",
                peer(remote)
            ),
        }
        Poll::Ready(())
    }
}

/// The client's address for a log line.
pub(crate) fn peer(remote: Option<SocketAddr>) -> String {
    remote.map_or_else(
        || "a unix socket client".to_owned(),
        |addr| addr.to_string(),
    )
}
