//! `make_server` and `serve_forever`: binding, the accept loop, graceful shutdown.

use crate::accept::{accept_on, Serving};
use crate::builder::{Config, ServerBuilder, DEFAULT_HOST};
use crate::connections::Connections;
use crate::limits;
use crate::listeners::Bound;
use crate::max_connections::MaxConnections;
use crate::service::Shared;
use crate::stats;
use crate::worker;
use gateway_core::host::{log, Level};
use gateway_core::Application;
use hyper_util::rt::{TokioExecutor, TokioTimer};
use hyper_util::server::conn::auto;
use std::future::Future;
use std::io;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;
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

/// A bound server, ready to [`serve_forever`](Self::serve_forever).
pub struct Server {
    pub(crate) listeners: Vec<Bound>,
    pub(crate) stats: Option<Bound>,
    pub(crate) runtime: tokio::runtime::Runtime,
    pub(crate) shared: Arc<Shared>,
    pub(crate) config: Config,
    pub(crate) shutdown: Arc<watch::Sender<bool>>,
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

impl Server {
    /// A builder for a server with more settings than [`make_server`] takes.
    pub fn builder() -> ServerBuilder {
        ServerBuilder::default()
    }

    /// The address of the first TCP listener (the real port when bound to port 0);
    /// `0.0.0.0:0` when every listener is a unix socket.
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addrs()
            .into_iter()
            .flatten()
            .next()
            .unwrap_or_else(|| SocketAddr::from((Ipv4Addr::UNSPECIFIED, 0)))
    }

    /// The TCP address of each listener, in the order they were added (`None` for a unix
    /// socket).
    pub fn local_addrs(&self) -> Vec<Option<SocketAddr>> {
        self.listeners.iter().map(Bound::local_addr).collect()
    }

    /// The TCP address of the stats server (`--stats`), if it has one.
    pub fn stats_addr(&self) -> Option<SocketAddr> {
        self.stats.as_ref().and_then(Bound::local_addr)
    }

    /// A handle that shuts the server down from another thread.
    pub fn shutdown_handle(&self) -> ShutdownHandle {
        ShutdownHandle(self.shutdown.clone())
    }

    /// Serves requests until shutdown (a [`ShutdownHandle`], Ctrl-C or SIGTERM), then lets
    /// in-flight requests finish within the grace period and returns `Ok(())`.
    pub fn serve_forever(self) -> io::Result<()> {
        let Server {
            listeners,
            stats,
            runtime,
            shared,
            config,
            shutdown,
        } = self;
        let grace = config.shutdown_grace;
        // What is closed and flushed once serving ends.
        let after = shared.clone();
        let result = runtime.block_on(async {
            let stats = match stats {
                Some(bound) => Some(stats::start(bound, &shared)?),
                None => None,
            };
            let report = (config.report_stats).then(|| tokio::spawn(stats::report(shared.clone())));
            let reported = shared.clone();
            let result = accept_loop(listeners, shared, config, shutdown).await;
            for task in stats.iter().chain(&report) {
                task.abort();
            }
            if report.is_some() {
                // The final counts, once drained: the master keeps them after this exits.
                stats::report_once(&reported);
            }
            result
        });
        after.pool.close();
        if let Some(inline) = &after.inline {
            inline.close();
        }
        runtime.shutdown_timeout(grace);
        if let Some(log) = &after.access_log {
            log.flush();
        }
        result
    }
}

async fn accept_loop(
    listeners: Vec<Bound>,
    shared: Arc<Shared>,
    config: Config,
    shutdown: Arc<watch::Sender<bool>>,
) -> io::Result<()> {
    let mut http = auto::Builder::new(TokioExecutor::new());
    // hyper's own header timeout arms a timer per request; `connections.rs` does the job per
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
    let serving = Arc::new(Serving {
        shared,
        http,
        connections: connections.clone(),
        header_read_timeout: config.header_read_timeout,
        max_head_size: config.max_head_size,
        max_headers: config.max_headers,
        threads_per_connection: config.threads_per_connection,
        send: config.send,
        linger: config.linger,
        error_log: config.error_log.clone(),
        max_connections: MaxConnections::new(config.max_connections),
    });
    let metrics = serving.shared.metrics.clone();
    // Watched before the start-up lines (see `stop_signal`).
    let stop = stop_signal(shutdown.subscribe(), config.handle_signals);
    let signals = config.handle_signals.then(worker::watch_signals).flatten();
    let shared = serving.shared.clone();
    let mut accepting = Vec::with_capacity(listeners.len());
    for (bound, counted) in listeners.into_iter().zip(&metrics.listeners) {
        worker::announce(&bound);
        let protocol = bound.protocol.clone();
        let listener = bound.accepting()?;
        let counted = counted.clone();
        accepting.push(tokio::spawn(accept_on(
            listener,
            protocol,
            serving.clone(),
            counted,
        )));
    }
    let retire = shared.retire.as_ref();
    worker::serve_until(stop, signals, retire, &metrics.got_stuck).await;
    metrics
        .draining
        .store(true, std::sync::atomic::Ordering::Relaxed);
    // Aborting an accept task drops its listener (and removes its unix socket file).
    for task in &accepting {
        task.abort();
    }
    for task in accepting {
        let _ = task.await;
    }
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

/// Resolves when a shutdown was asked for: through the handle, or by Ctrl-C / SIGTERM. The
/// signals are watched from this call on, not from the first poll: the start-up line comes
/// after it, and a supervisor (or a test) may signal as soon as it reads that line; before,
/// a SIGTERM in between killed the process with the default action.
fn stop_signal(mut stop: watch::Receiver<bool>, handle_signals: bool) -> impl Future<Output = ()> {
    #[cfg(unix)]
    let watched = handle_signals.then(|| {
        use tokio::signal::unix::{signal, SignalKind};
        (
            signal(SignalKind::terminate()).ok(),
            signal(SignalKind::interrupt()).ok(),
        )
    });
    #[cfg(not(unix))]
    let watched: Option<((), ())> = handle_signals.then_some(((), ()));
    async move {
        let handle = async {
            let _ = stop.wait_for(|stop| *stop).await;
        };
        let Some((terminate, interrupt)) = watched else {
            return handle.await;
        };
        #[cfg(unix)]
        let (terminate, interrupt) = (received(terminate), received(interrupt));
        #[cfg(not(unix))]
        let (terminate, interrupt) = (std::future::pending::<()>(), async {
            let _ = tokio::signal::ctrl_c().await;
        });
        tokio::select! {
            () = handle => {}
            () = interrupt => log(Level::Info, format_args!("Ctrl-C received")),
            () = terminate => log(Level::Info, format_args!("SIGTERM received")),
        }
    }
}

/// Resolves when `signal` (if it could be watched) arrives.
#[cfg(unix)]
async fn received(signal: Option<tokio::signal::unix::Signal>) {
    match signal {
        Some(mut signal) => {
            signal.recv().await;
        }
        None => std::future::pending().await,
    }
}
