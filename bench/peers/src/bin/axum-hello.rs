//! axum 0.8 comparison: `GET /` and `GET /{*rest}` answer `200 OK`,
//! `Content-Type: text/html` and `<h1>Hello, Web!</h1>` (with `Content-Length`), served by
//! `axum::serve` with its defaults (HTTP/1 and, with the `http2` feature, cleartext HTTP/2 with
//! prior knowledge), plus `TCP_NODELAY` on every accepted connection (as the
//! gateway server and the raw hyper baseline set it).
//!
//! The runtime is the one `#[tokio::main]` builds, except that `BENCH_WORKERS` (if set)
//! fixes its worker-thread count.
//!
//! Run with: cargo run --release -p gateway-bench-peers --bin axum-hello -- PORT

use axum::http::header::CONTENT_TYPE;
use axum::routing::get;
use axum::serve::ListenerExt;
use axum::Router;
use gateway_bench::{port, runtime, HELLO};
use std::net::{Ipv4Addr, SocketAddr};
use tokio::net::TcpListener;

async fn hello() -> ([(axum::http::HeaderName, &'static str); 1], &'static str) {
    ([(CONTENT_TYPE, "text/html")], HELLO)
}

fn main() -> std::io::Result<()> {
    let port = port();
    runtime().block_on(async move {
        let app = Router::new()
            .route("/", get(hello))
            .route("/{*rest}", get(hello));
        let listener = TcpListener::bind(SocketAddr::from((Ipv4Addr::LOCALHOST, port)))
            .await?
            .tap_io(|stream| {
                let _ = stream.set_nodelay(true);
            });
        axum::serve(listener, app).await
    })
}
