//! Raw hyper baseline: every request gets `200 OK`, `Content-Type: text/html` and
//! `<h1>Hello, Web!</h1>` (with `Content-Length`), with the connection settings the
//! gateway server uses (see `gateway_bench::serve_raw_hyper`).
//!
//! The runtime is the one `#[tokio::main]` builds, except that `BENCH_WORKERS` (if set)
//! fixes its worker-thread count.
//!
//! Run with: cargo run --release -p gateway-bench --bin hyper-hello -- PORT

use gateway_bench::{port, runtime, serve_raw_hyper};
use std::net::{Ipv4Addr, SocketAddr};

fn main() -> std::io::Result<()> {
    let port = port();
    runtime().block_on(async {
        let listener =
            tokio::net::TcpListener::bind(SocketAddr::from((Ipv4Addr::LOCALHOST, port))).await?;
        serve_raw_hyper(listener).await
    })
}
