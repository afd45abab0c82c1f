//! Shared plumbing for the benchmark servers in `src/bin/`: the port argument, the
//! `BENCH_WORKERS` setting and the tokio runtime the raw hyper and axum baselines run on.
//!
//! Nothing here is on the request path.

use bytes::Bytes;
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::header::{HeaderValue, CONTENT_TYPE};
use hyper::service::service_fn;
use hyper::{Request, Response};
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto::Builder;
use std::convert::Infallible;
use std::process::exit;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;

/// The body every benchmark server answers `GET /` with.
pub const HELLO: &str = "<h1>Hello, Web!</h1>";

/// The TCP port to listen on: the first command-line argument. Exits with a usage line if
/// it is missing or not a port number.
pub fn port() -> u16 {
    let mut args = std::env::args();
    let program = args.next().unwrap_or_else(|| "server".into());
    match args.next().map(|arg| arg.parse::<u16>()) {
        Some(Ok(port)) => port,
        _ => {
            eprintln!("usage: {program} PORT   (serves on 127.0.0.1:PORT)");
            exit(2);
        }
    }
}

/// Worker threads from `BENCH_WORKERS`: `None` (leave the runtime's default, one per core)
/// when unset or empty; exits if it is set to anything but a positive integer.
pub fn workers() -> Option<usize> {
    match std::env::var("BENCH_WORKERS") {
        Err(_) => None,
        Ok(value) if value.trim().is_empty() => None,
        Ok(value) => match value.trim().parse::<usize>() {
            Ok(n) if n > 0 => Some(n),
            _ => {
                eprintln!("BENCH_WORKERS must be a positive integer, got {value:?}");
                exit(2);
            }
        },
    }
}

/// The runtime `#[tokio::main]` builds (multi-thread, all drivers enabled), with
/// `worker_threads` taken from `BENCH_WORKERS` when it is set.
pub fn runtime() -> tokio::runtime::Runtime {
    let mut builder = tokio::runtime::Builder::new_multi_thread();
    builder.enable_all();
    if let Some(n) = workers() {
        builder.worker_threads(n);
    }
    builder.build().expect("failed to build the tokio runtime")
}

/// The raw hyper baseline's service: `200 OK`, `Content-Type: text/html`, [`HELLO`].
pub async fn hyper_hello(_request: Request<Incoming>) -> Result<Response<Full<Bytes>>, Infallible> {
    // `Full` has an exact size hint, so hyper writes `Content-Length: 20`.
    let mut response = Response::new(Full::new(Bytes::from_static(HELLO.as_bytes())));
    response
        .headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static("text/html"));
    Ok(response)
}

/// Serves [`hyper_hello`] on `listener` with the connection settings the gateway server
/// uses: hyper-util's auto (HTTP/1 + HTTP/2) builder with a tokio timer, `TCP_NODELAY`, one
/// spawned task per connection.
pub async fn serve_raw_hyper(listener: TcpListener) -> std::io::Result<()> {
    let mut builder = Builder::new(TokioExecutor::new());
    builder.http1().timer(TokioTimer::new());
    let builder = Arc::new(builder);
    loop {
        let (stream, _) = match listener.accept().await {
            Ok(accepted) => accepted,
            // e.g. EMFILE: the listener stays usable; back off briefly and keep accepting.
            Err(_) => {
                tokio::time::sleep(Duration::from_millis(10)).await;
                continue;
            }
        };
        let _ = stream.set_nodelay(true);
        let builder = Arc::clone(&builder);
        tokio::spawn(async move {
            let _ = builder
                .serve_connection(TokioIo::new(stream), service_fn(hyper_hello))
                .await;
        });
    }
}

/// The gateway hello application of the project note, as a plain `fn` and as an `async fn`.
#[cfg(feature = "gateway")]
pub mod gateway_hello {
    use gateway::{wsgi_app, Environ, StartResponse};

    /// The note's application, plain `fn`: runs on the server's application threads.
    #[wsgi_app]
    pub fn sync_app(environ: &Environ, start_response: StartResponse) -> Vec<Vec<u8>> {
        start_response("200 OK", &[("Content-Type", "text/html")]);
        let name = environ["PATH_INFO"].get(1..).unwrap_or("");
        let body = format!(
            "<h1>Hello, {}!</h1>",
            if name.is_empty() { "Web" } else { name }
        );
        vec![body.into_bytes()]
    }

    /// The same application as an `async fn`: runs on the I/O threads.
    #[wsgi_app]
    pub async fn async_app(environ: &Environ, start_response: StartResponse) -> Vec<Vec<u8>> {
        start_response("200 OK", &[("Content-Type", "text/html")]);
        let name = environ["PATH_INFO"].get(1..).unwrap_or("");
        let body = format!(
            "<h1>Hello, {}!</h1>",
            if name.is_empty() { "Web" } else { name }
        );
        vec![body.into_bytes()]
    }

    /// A server for `app` on `127.0.0.1:port`, with `BENCH_WORKERS` I/O threads if set, and
    /// every plain `fn` call handed to the application threads (`run_inline(false)`) if
    /// `BENCH_INLINE=0`: the measure of what the hand-off costs.
    pub fn server(app: impl gateway::Application, port: u16) -> std::io::Result<gateway::Server> {
        server_with(app, port, |builder| builder)
    }

    /// [`server`] with more settings.
    pub fn server_with(
        app: impl gateway::Application,
        port: u16,
        configure: impl FnOnce(gateway::ServerBuilder) -> gateway::ServerBuilder,
    ) -> std::io::Result<gateway::Server> {
        let mut builder = gateway::Server::builder().bind(("127.0.0.1", port));
        if let Some(n) = super::workers() {
            builder = builder.workers(n);
        }
        if std::env::var("BENCH_INLINE").is_ok_and(|value| value == "0") {
            builder = builder.run_inline(false);
        }
        configure(builder).build(app)
    }
}
