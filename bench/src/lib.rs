//! Shared plumbing for the benchmark servers in `src/bin/`: the port argument, the
//! `BENCH_WORKERS` setting and the tokio runtime the raw hyper and axum baselines run on.
//!
//! Nothing here is on the request path.

use std::process::exit;

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
