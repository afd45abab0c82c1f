//! `--stats ADDR`: a small HTTP server on the server's runtime, answering `/` (or `/stats`)
//! with a JSON document like uWSGI's stats server, `/metrics` with Prometheus text, and
//! `/healthz` with 200 while the server accepts and 503 once it drains.
//!
//! Everything it shows is a function of a list of [`Snapshot`]s, one per process: one
//! process has one; with `--workers` the master serves the address, each worker [`report`]s
//! its snapshot to it, and it [`merge`]s them (see `master/board.rs`).

mod render;
mod snapshot;

pub(crate) use render::{json, prometheus};
pub(crate) use snapshot::{merge, ListenerStats, Snapshot, WorkerStats, LATENCY_BOUNDS_SECONDS};

use crate::listeners::{Accepting, Bound, Kind, Spec};
use crate::service::Shared;
use bytes::Bytes;
use gateway_core::host::{log, Level};
use http::header::CONTENT_TYPE;
use http::{Request, Response, StatusCode};
use http_body_util::Full;
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto;
use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

/// How often a worker sends its snapshot to its master: a scrape sees counts this old.
const REPORT_EVERY: Duration = Duration::from_secs(1);

/// Where the snapshots come from: this process's metrics, or a master's collection.
pub(crate) type Source = Arc<dyn Fn() -> Vec<Snapshot> + Send + Sync>;

/// Binds the stats address (plain HTTP, `IP:PORT` or `unix:/path.sock`).
pub(crate) fn bind(addr: &str, chmod: Option<u32>) -> std::io::Result<Bound> {
    let kind = Kind::Http {
        proxy_protocol: false,
    };
    Spec::parse(addr, kind).bind(chmod)
}

/// The start-up line that tells where the stats are (tests read the port from it).
fn announce(bound: &Bound) {
    let (address, _) = bound.described();
    log(
        Level::Info,
        format_args!("stats on {address} (/ JSON, /metrics Prometheus, /healthz)"),
    );
}

/// Starts the stats server of one process on the runtime (call within it).
pub(crate) fn start(
    bound: Bound,
    shared: &Arc<Shared>,
) -> std::io::Result<tokio::task::JoinHandle<()>> {
    announce(&bound);
    let listener = bound.accepting()?;
    let shared = shared.clone();
    let source: Source =
        Arc::new(move || vec![shared.metrics.snapshot(shared.pool.busy_and_threads())]);
    Ok(tokio::spawn(serve(listener, source)))
}

/// Serves the stats of a master from a thread of its own on a one-thread runtime, for as
/// long as the process lives: the master's supervisor loop has no runtime, and a slow scrape
/// must not delay its signals.
#[cfg(unix)]
pub(crate) fn serve_in_thread(bound: Bound, source: Source) -> std::io::Result<()> {
    announce(&bound);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    std::thread::Builder::new()
        .name("gateway-stats".into())
        .spawn(move || {
            runtime.block_on(async move {
                match bound.accepting() {
                    Ok(listener) => serve(listener, source).await,
                    Err(error) => log(Level::Error, format_args!("stats: {error}")),
                }
            });
        })?;
    Ok(())
}

/// A worker's side of `--stats` under a master: sends its snapshot every [`REPORT_EVERY`]
/// until the task is aborted (then [`report_once`] sends the final counts).
pub(crate) async fn report(shared: Arc<Shared>) {
    let mut every = tokio::time::interval(REPORT_EVERY);
    loop {
        every.tick().await;
        report_once(&shared);
    }
}

/// Sends this worker's snapshot to its master once.
pub(crate) fn report_once(shared: &Shared) {
    crate::notify::stats(&shared.metrics.snapshot(shared.pool.busy_and_threads()));
}

/// Serves the stats endpoints on `listener` until the task is aborted.
pub(crate) async fn serve(listener: Accepting, source: Source) {
    let http = Arc::new(auto::Builder::new(TokioExecutor::new()));
    loop {
        let socket = match listener.accept().await {
            Ok((socket, _)) => socket,
            Err(error) => {
                log(Level::Warn, format_args!("stats: accept failed: {error}"));
                tokio::time::sleep(crate::limits::ACCEPT_ERROR_PAUSE).await;
                continue;
            }
        };
        let source = source.clone();
        let http = http.clone();
        tokio::spawn(async move {
            let service = hyper::service::service_fn(move |request| {
                let answer = answer(&request, &source);
                async move { Ok::<_, Infallible>(answer) }
            });
            let _ = http.serve_connection(TokioIo::new(socket), service).await;
        });
    }
}

/// The answer to one request of the stats server.
fn answer<B>(request: &Request<B>, source: &Source) -> Response<Full<Bytes>> {
    let (status, content_type, body) = match request.uri().path() {
        "/" | "/stats" => (StatusCode::OK, "application/json", json(&source())),
        "/metrics" => (
            StatusCode::OK,
            "application/openmetrics-text; version=1.0.0; charset=utf-8",
            prometheus(&source()),
        ),
        "/healthz" if source().iter().any(|snapshot| snapshot.draining) => (
            StatusCode::SERVICE_UNAVAILABLE,
            "text/plain",
            "draining\n".to_owned(),
        ),
        "/healthz" => (StatusCode::OK, "text/plain", "ok\n".to_owned()),
        _ => (
            StatusCode::NOT_FOUND,
            "text/plain",
            "not found: try /, /metrics or /healthz\n".to_owned(),
        ),
    };
    let mut response = Response::new(Full::new(Bytes::from(body)));
    *response.status_mut() = status;
    response
        .headers_mut()
        .insert(CONTENT_TYPE, http::HeaderValue::from_static(content_type));
    response
}
