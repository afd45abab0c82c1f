//! `gateway-hello-sync` with every call handed to the application threads
//! (`run_inline(false)`): what running plain `fn` calls inline on the I/O threads saves.
//!
//! Run with: cargo run --release -p gateway-bench --bin gateway-hello-handoff -- PORT

use gateway_bench::gateway_hello::{server_with, sync_app};

fn main() -> gateway::Result<()> {
    server_with(sync_app, gateway_bench::port(), |builder| {
        builder.run_inline(false)
    })?
    .serve_forever()?;
    Ok(())
}
