//! Raw hyper baseline: every request gets `200 OK`, `Content-Type: text/html` and
//! `<h1>Hello, Web!</h1>` (with `Content-Length`), with the connection settings the
//! gateway server uses: a multi-thread tokio runtime, hyper-util's auto (HTTP/1 + HTTP/2)
//! connection builder with a tokio timer, `TCP_NODELAY`, one spawned task per connection.
//!
//! The runtime is the one `#[tokio::main]` builds, except that `BENCH_WORKERS` (if set)
//! fixes its worker-thread count.
//!
//! Run with: cargo run --release -p gateway-bench --bin hyper-hello -- PORT

use bytes::Bytes;
use gateway_bench::{port, runtime, HELLO};
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::header::{HeaderValue, CONTENT_TYPE};
use hyper::service::service_fn;
use hyper::{Request, Response};
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto::Builder;
use std::convert::Infallible;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;

async fn hello(_request: Request<Incoming>) -> Result<Response<Full<Bytes>>, Infallible> {
    // `Full` has an exact size hint, so hyper writes `Content-Length: 20`.
    let mut response = Response::new(Full::new(Bytes::from_static(HELLO.as_bytes())));
    response
        .headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static("text/html"));
    Ok(response)
}

fn main() -> std::io::Result<()> {
    let port = port();
    runtime().block_on(serve(port))
}

async fn serve(port: u16) -> std::io::Result<()> {
    let listener = TcpListener::bind(SocketAddr::from((Ipv4Addr::LOCALHOST, port))).await?;
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
                .serve_connection(TokioIo::new(stream), service_fn(hello))
                .await;
        });
    }
}
