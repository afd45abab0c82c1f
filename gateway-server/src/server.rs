//! `make_server` and `serve_forever`: binding, the accept loop, graceful shutdown.

use crate::connections::Connections;
use crate::error::bind_error;
use crate::input::BodyLimits;
use crate::limits;
use crate::pace::PaceLimit;
use crate::panics;
use crate::pool::{Pool, PoolSize};
use crate::service::{serve, PerConnection, Shared};
use crate::transport::{LingerLimit, Transport};
use gateway_core::host::{log, Connection, Level};
use gateway_core::{Application, ErrorLog, ErrorSink};
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto;
use std::io;
use std::net::{SocketAddr, TcpListener, ToSocketAddrs};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{watch, Semaphore};

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
    fixed_threads: bool,
    max_queued: usize,
    threads_per_connection: usize,
    body: BodyLimits,
    send: PaceLimit,
    linger: LingerLimit,
    allow_connect: bool,
    panic_backtraces: bool,
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
                fixed_threads: false,
                max_queued: limits::MAX_QUEUED_REQUESTS,
                threads_per_connection: limits::MAX_THREADS_PER_CONNECTION,
                body: BodyLimits {
                    max_size: limits::MAX_BODY_SIZE,
                    pace: PaceLimit {
                        timeout: limits::BODY_READ_TIMEOUT,
                        min_rate: limits::MIN_BODY_RATE,
                    },
                    buffer: limits::BODY_BUFFER_SIZE,
                },
                send: PaceLimit {
                    timeout: limits::SEND_TIMEOUT,
                    min_rate: limits::MIN_SEND_RATE,
                },
                linger: LingerLimit {
                    time: limits::LINGERING_TIME,
                    timeout: limits::LINGERING_TIMEOUT,
                    max_bytes: limits::LINGERING_MAX_BYTES,
                },
                allow_connect: false,
                panic_backtraces: false,
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

    /// The most blocking applications running at once (uWSGI's `--threads`). The pool keeps
    /// one thread per I/O worker and starts more, up to this, when threads block and requests
    /// wait.
    pub fn threads(mut self, threads: usize) -> Self {
        self.config.max_threads = threads.max(1);
        self.config.fixed_threads = false;
        self
    }

    /// Exactly `threads` application threads, started at once and never retired (gunicorn's
    /// `--threads`), instead of a pool that grows and shrinks.
    pub fn fixed_threads(mut self, threads: usize) -> Self {
        self.config.max_threads = threads.max(1);
        self.config.fixed_threads = true;
        self
    }

    /// The most requests waiting for an application thread; more answer 503 with
    /// `Retry-After` at once.
    pub fn max_queued_requests(mut self, requests: usize) -> Self {
        self.config.max_queued = requests.max(1);
        self
    }

    /// The most application threads one HTTP/2 connection holds at once; its other streams
    /// wait without a thread.
    pub fn threads_per_connection(mut self, threads: usize) -> Self {
        self.config.threads_per_connection = threads.max(1);
        self
    }

    /// The largest request body in bytes; larger ones answer 413.
    pub fn max_body_size(mut self, bytes: u64) -> Self {
        self.config.body.max_size = bytes;
        self
    }

    /// How long a request body may keep the server waiting, added up (and the span over which
    /// [`min_body_rate`](Self::min_body_rate) is measured); then the request answers 408, or
    /// its connection closes if the response had begun. Time the application spends is not
    /// counted.
    pub fn body_read_timeout(mut self, timeout: Duration) -> Self {
        self.config.body.pace.timeout = timeout;
        self
    }

    /// The slowest request body accepted, in bytes per second (0: only stalls time out).
    pub fn min_body_rate(mut self, bytes_per_second: u64) -> Self {
        self.config.body.pace.min_rate = bytes_per_second;
        self
    }

    /// How much of a request body is read, without a thread, before the application is
    /// called.
    pub fn body_buffer_size(mut self, bytes: usize) -> Self {
        self.config.body.buffer = bytes;
        self
    }

    /// How long sending a response may keep the server waiting for the client, added up (and
    /// the span over which [`min_send_rate`](Self::min_send_rate) is measured); then the
    /// connection is closed and the application's body dropped.
    pub fn send_timeout(mut self, timeout: Duration) -> Self {
        self.config.send.timeout = timeout;
        self
    }

    /// The slowest reader accepted, in bytes per second (0: only stalls time out).
    pub fn min_send_rate(mut self, bytes_per_second: u64) -> Self {
        self.config.send.min_rate = bytes_per_second;
        self
    }

    /// Lingering close: the most time, in all, a closing connection reads and discards what
    /// its client still sends, and the most wait between two reads.
    pub fn lingering(mut self, time: Duration, timeout: Duration) -> Self {
        self.config.linger.time = time;
        self.config.linger.timeout = timeout;
        self
    }

    /// Lingering close: the most bytes read and discarded.
    pub fn lingering_max_bytes(mut self, bytes: usize) -> Self {
        self.config.linger.max_bytes = bytes;
        self
    }

    /// Whether `CONNECT` requests reach the application (default false: they answer 405).
    pub fn allow_connect(mut self, allow: bool) -> Self {
        self.config.allow_connect = allow;
        self
    }

    /// Whether the log line of an application's panic carries a backtrace (default false,
    /// whatever `RUST_BACKTRACE` says: a panic flood would fill the log).
    pub fn panic_backtraces(mut self, backtraces: bool) -> Self {
        self.config.panic_backtraces = backtraces;
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
        let mut config = self.config;
        panics::install();
        config.error_log = panics::error_log(config.error_log);
        let mut runtime = tokio::runtime::Builder::new_multi_thread();
        runtime.enable_all().thread_name("gateway");
        if let Some(workers) = config.workers {
            runtime.worker_threads(workers);
        }
        let runtime = runtime.build()?;
        let workers = config
            .workers
            .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
        let size = PoolSize {
            core: if config.fixed_threads {
                config.max_threads
            } else {
                workers
            },
            max: config.max_threads,
            queue: config.max_queued,
        };
        let pool = Pool::new(size, runtime.handle().clone());
        let shared = Arc::new(Shared {
            app: Arc::new(app),
            pool,
            inline: config.inline,
            runtime: runtime.handle().clone(),
            body: config.body,
            send: config.send,
            allow_connect: config.allow_connect,
            panic_backtraces: config.panic_backtraces,
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
    // The same head limit as HTTP/1 (h2 would advertise 16 KiB: a 20 KB header would be 431
    // on one protocol and 200 on the other).
    http.http2()
        .timer(TokioTimer::new())
        .max_header_list_size(u32::try_from(config.max_head_size).unwrap_or(u32::MAX));
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
            app_threads: Semaphore::new(config.threads_per_connection),
        });
        let stream = Transport::new(stream, config.send, config.linger, entry.requests());
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
                Err(_) => tracing::debug!(
                    "closed a connection from {remote}: no request head in time, or too slow"
                ),
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
