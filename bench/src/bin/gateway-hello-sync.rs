//! The gateway hello application, sync flavour (`gateway_bench::gateway_hello::sync_app`),
//! served by the gateway server on 127.0.0.1. `GET /` answers `200 OK`,
//! `Content-Type: text/html` and `<h1>Hello, Web!</h1>`. See `gateway-hello-async` for the
//! other flavour. `BENCH_WORKERS` (if set) is the number of I/O threads, as for the baselines.
//!
//! Run with: cargo run --release -p gateway-bench --bin gateway-hello-sync -- PORT

use gateway_bench::gateway_hello::{server, sync_app};

fn main() -> gateway::Result<()> {
    server(sync_app, gateway_bench::port())?.serve_forever()?;
    Ok(())
}
