//! `make_server` and `serve_forever`: binding, the accept loop, graceful shutdown.

use crate::connections::Connections;
use crate::error::bind_error;
use crate::limits;
use crate::pool::Pool;
use crate::service::{serve, PerConnection, Shared};
use gateway_core::host::{log, Connection, Level};
use gateway_core::{Application, ErrorLog, ErrorSink};
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto;
use std::io;
use std::net::{SocketAddr, TcpListener, ToSocketAddrs};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::watch;

/// Binds `host:port` and prepares to serve `app` there, like wsgiref's `make_server`.
///
/// `""` means this machine only (`127.0.0.1`), as for [`ServerBuilder::bind`]'s default:
/// a development server is not reachable from the network until you say so with
/// `"0.0.0.0"` (every IPv4 interface). (Python's wsgiref takes `""` to mean every interface;
/// gateway prefers the safe default, like Django's `runserver`.) The port is bound now, so a
/// port already in use is an error here, with a sentence that names the address and what
/// to do. Signals
/// (Ctrl-C, SIGTERM) shut the server down gracefully. For anything else (timeouts, limits,
/// threads, tests on port 0) use [`Server::builder`].
pub fn make_server(host: &str, port: u16, app: impl Application) -> io::Result<Server> {
    let host = if host.is_empty() { DEFAULT_HOST } else { host };
    Server::builder().bind((host, port)).build(app)
}

/// Where a server listens when nothing says otherwise: this machine only.
const DEFAULT_HOST: &str = "127.0.0.1";

/// A bound server, ready to [`serve_forever`](Self::serve_forever).
pub struct Server {
    listener: TcpListener,
    local_addr: SocketAddr,
    runtime: tokio::runtime::Runtime,
    shared: Arc<Shared>,
    config: Config,
    shutdown: Arc<watch::Sender<bool>>,
}

/// Stops a running server from another thread: it stops accepting, lets in-flight requests
/// finish within the grace period, and `serve_forever` returns `Ok(())`.
#[derive(Clone, Debug)]
pub struct ShutdownHandle(Arc<watch::Sender<bool>>);

impl ShutdownHandle {
    /// Begins a graceful shutdown.
    pub fn shutdown(&self) {
        self.0.send_replace(true);
    }
}

#[derive(Clone)]
struct Config {
    header_read_timeout: Duration,
    max_head_size: usize,
    max_headers: usize,
    shutdown_grace: Duration,
    max_threads: usize,
    workers: Option<usize>,
    inline: bool,
    handle_signals: bool,
    error_log: ErrorLog,
}

/// Configures a [`Server`]: where it listens and the limits it enforces (see
/// [`limits`](crate::limits) for the defaults and their reasons).
///
/// ```no_run
/// # use gateway_core::{Environ, StartResponse};
/// # let app = |_: &Environ, sr: StartResponse| { sr("200 OK", &[]); "ok" };
/// let server = gateway_server::Server::builder()
///     .bind("127.0.0.1:0")
///     .header_read_timeout(std::time::Duration::from_secs(5))
///     .build(app)?;
/// println!("listening on {}", server.local_addr());
/// server.serve_forever()?;
/// # Ok::<(), std::io::Error>(())
/// ```
pub struct ServerBuilder {
    addrs: io::Result<Vec<SocketAddr>>,
    config: Config,
}

impl Default for ServerBuilder {
    fn default() -> Self {
        Self {
            addrs: (DEFAULT_HOST, 8000)
                .to_socket_addrs()
                .map(Iterator::collect),
            config: Config {
                header_read_timeout: limits::HEADER_READ_TIMEOUT,
                max_head_size: limits::MAX_HEAD_SIZE,
                max_headers: limits::MAX_HEADERS,
                shutdown_grace: limits::SHUTDOWN_GRACE,
                max_threads: limits::MAX_THREADS,
                workers: None,
                inline: false,
                handle_signals: true,
                error_log: ErrorLog::default(),
            },
        }
    }
}

impl ServerBuilder {
    /// The address to listen on (default `127.0.0.1:8000`); port 0 picks a free port.
    pub fn bind(mut self, addr: impl ToSocketAddrs) -> Self {
        self.addrs = addr.to_socket_addrs().map(Iterator::collect);
        self
    }

    /// The time a connection may stay idle (just accepted, or done with its last response)
    /// without completing a request head; then it is closed. This bounds slow or silent
    /// clients and idle keep-alive connections alike. It is checked a few times per period,
    /// so a connection closes up to a quarter of it (at most a second) later.
    pub fn header_read_timeout(mut self, timeout: Duration) -> Self {
        self.config.header_read_timeout = timeout;
        self
    }

    /// The largest request head in bytes (at least 8192); larger heads answer 431.
    pub fn max_head_size(mut self, bytes: usize) -> Self {
        self.config.max_head_size = bytes.max(8192);
        self
    }

    /// The most headers in one HTTP/1 request; more answers 431.
    pub fn max_headers(mut self, count: usize) -> Self {
        self.config.max_headers = count;
        self
    }

    /// How long shutdown waits for in-flight requests.
    pub fn shutdown_grace(mut self, grace: Duration) -> Self {
        self.config.shutdown_grace = grace;
        self
    }

    /// The most blocking applications running at once (uWSGI's `--threads`).
    pub fn threads(mut self, threads: usize) -> Self {
        self.config.max_threads = threads.max(1);
        self
    }

    /// The number of I/O threads (default: one per core).
    pub fn workers(mut self, workers: usize) -> Self {
        self.config.workers = Some(workers.max(1));
        self
    }

    /// Runs plain `fn` applications on the I/O threads instead of the application pool.
    /// Only for applications that never block: one that does stalls every connection on
    /// its thread.
    pub fn run_inline(mut self, inline: bool) -> Self {
        self.config.inline = inline;
        self
    }

    /// Whether Ctrl-C and SIGTERM shut the server down (default true; tests turn it off and
    /// use a [`ShutdownHandle`]).
    pub fn handle_signals(mut self, handle: bool) -> Self {
        self.config.handle_signals = handle;
        self
    }

    /// Where `wsgi.errors` lines and contract violations go (default: `tracing` events with
    /// target `wsgi.errors`).
    pub fn error_log(mut self, sink: ErrorSink) -> Self {
        self.config.error_log = ErrorLog::to_sink(sink);
        self
    }

    /// Binds the address and builds the runtime that will serve `app`.
    pub fn build(self, app: impl Application) -> io::Result<Server> {
        let addrs = self.addrs?;
        let listener = bind_first(&addrs)?;
        listener.set_nonblocking(true)?;
        let local_addr = listener.local_addr()?;
        let config = self.config;
        let mut runtime = tokio::runtime::Builder::new_multi_thread();
        runtime.enable_all().thread_name("gateway");
        if let Some(workers) = config.workers {
            runtime.worker_threads(workers);
        }
        let runtime = runtime.build()?;
        let workers = config
            .workers
            .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
        let pool = Pool::new(workers, config.max_threads, runtime.handle().clone());
        let shared = Arc::new(Shared {
            app: Arc::new(app),
            pool,
            inline: config.inline,
            runtime: runtime.handle().clone(),
        });
        let (shutdown, _) = watch::channel(false);
        Ok(Server {
            listener,
            local_addr,
            runtime,
            shared,
            config,
            shutdown: Arc::new(shutdown),
        })
    }
}

fn bind_first(addrs: &[SocketAddr]) -> io::Result<TcpListener> {
    let mut last_error = io::Error::new(io::ErrorKind::InvalidInput, "no address to listen on");
    for &addr in addrs {
        match TcpListener::bind(addr) {
            Ok(listener) => return Ok(listener),
            Err(error) => last_error = bind_error(addr, error),
        }
    }
    Err(last_error)
}

impl Server {
    /// A builder for a server with more settings than [`make_server`] takes.
    pub fn builder() -> ServerBuilder {
        ServerBuilder::default()
    }

    /// The address the server listens on (the real port when bound to port 0).
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// A handle that shuts the server down from another thread.
    pub fn shutdown_handle(&self) -> ShutdownHandle {
        ShutdownHandle(self.shutdown.clone())
    }

    /// Serves requests until shutdown (a [`ShutdownHandle`], Ctrl-C or SIGTERM), then lets
    /// in-flight requests finish within the grace period and returns `Ok(())`.
    pub fn serve_forever(self) -> io::Result<()> {
        let Server {
            listener,
            local_addr,
            runtime,
            shared,
            config,
            shutdown,
        } = self;
        let pool = shared.pool.clone();
        let grace = config.shutdown_grace;
        let result = runtime.block_on(accept_loop(listener, local_addr, shared, config, shutdown));
        pool.close();
        runtime.shutdown_timeout(grace);
        result
    }
}

async fn accept_loop(
    listener: TcpListener,
    local_addr: SocketAddr,
    shared: Arc<Shared>,
    config: Config,
    shutdown: Arc<watch::Sender<bool>>,
) -> io::Result<()> {
    let listener = tokio::net::TcpListener::from_std(listener)?;
    let mut http = auto::Builder::new(TokioExecutor::new());
    // hyper's own header timeout arms a timer per request; `idle.rs` does the job per
    // connection, far cheaper.
    http.http1()
        .header_read_timeout(None)
        .max_buf_size(config.max_head_size);
    if config.max_headers != limits::MAX_HEADERS {
        // hyper parses up to 100 headers in a stack buffer; any explicit setting moves them
        // to the heap (measured: an allocation per request), so set it only when it differs.
        http.http1().max_headers(config.max_headers);
    }
    http.http2().timer(TokioTimer::new());
    let connections = Connections::default();
    let close_idle = tokio::spawn(connections.clone().close_idle(config.header_read_timeout));
    let mut stop = shutdown.subscribe();
    let stop_requested = stop_signal(&mut stop, config.handle_signals);
    tokio::pin!(stop_requested);
    log(
        Level::Info,
        format_args!("listening on http://{local_addr}"),
    );
    loop {
        let (stream, remote) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(error) => {
                    log(Level::Warn, format_args!("accept failed: {error}"));
                    tokio::time::sleep(limits::ACCEPT_ERROR_PAUSE).await;
                    continue;
                }
            },
            () = &mut stop_requested => break,
        };
        let _ = stream.set_nodelay(true);
        let connection = Connection::new(Some(local_addr), Some(remote))
            .with_error_log(config.error_log.clone());
        let entry = connections.open();
        let conn = Arc::new(PerConnection {
            shared: shared.clone(),
            connection: Arc::new(connection),
            requests: entry.requests(),
        });
        let http = http.clone();
        tokio::spawn(async move {
            let service = hyper::service::service_fn(move |request| serve(request, conn.clone()));
            let serving = http
                .serve_connection(TokioIo::new(stream), service)
                .into_owned();
            match entry
                .serve(serving, |serving| serving.graceful_shutdown())
                .await
            {
                Ok(Ok(())) => {}
                Ok(Err(error)) => tracing::debug!("connection from {remote} ended: {error}"),
                Err(_) => {
                    tracing::debug!("closed a connection from {remote}: no request head in time")
                }
            }
        });
    }
    drop(listener);
    log(
        Level::Info,
        format_args!(
            "shutting down: waiting up to {:?} for in-flight requests",
            config.shutdown_grace
        ),
    );
    tokio::select! {
        () = connections.shutdown() => log(Level::Info, format_args!("all connections closed")),
        () = tokio::time::sleep(config.shutdown_grace) => log(Level::Warn, format_args!("grace period over; dropping the remaining connections")),
    }
    close_idle.abort();
    Ok(())
}

/// Resolves when a shutdown was asked for: through the handle, or by Ctrl-C / SIGTERM.
async fn stop_signal(stop: &mut watch::Receiver<bool>, handle_signals: bool) {
    let handle = async {
        let _ = stop.wait_for(|stop| *stop).await;
    };
    if !handle_signals {
        return handle.await;
    }
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut terminate) => {
                terminate.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = handle => {}
        _ = tokio::signal::ctrl_c() => log(Level::Info, format_args!("Ctrl-C received")),
        () = terminate => log(Level::Info, format_args!("SIGTERM received")),
    }
}
