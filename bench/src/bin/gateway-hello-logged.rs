//! `gateway-hello-sync` with the access log on, written to a file (the default format):
//! what the access log costs per request. The file is `$BENCH_ACCESS_LOG`, or
//! `gateway-bench-access.log` in the temporary directory.
//!
//! Run with: cargo run --release -p gateway-bench --bin gateway-hello-logged -- PORT

use gateway_bench::gateway_hello::{server_with, sync_app};

fn main() -> gateway::Result<()> {
    let path = std::env::var_os("BENCH_ACCESS_LOG").map_or_else(
        || std::env::temp_dir().join("gateway-bench-access.log"),
        std::path::PathBuf::from,
    );
    server_with(sync_app, gateway_bench::port(), |builder| {
        builder.access_log_file(&path)
    })?
    .serve_forever()?;
    Ok(())
}
