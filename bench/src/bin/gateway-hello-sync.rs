//! The gateway hello application, sync flavour: the application from the project note
//! (`fn application(environ, start_response)` under `#[wsgi_app]`), served by the
//! gateway server on 127.0.0.1. `GET /` answers `200 OK`, `Content-Type: text/html` and
//! `<h1>Hello, Web!</h1>`; `GET /NAME` greets NAME. See `gateway-hello-async` for the
//! other flavour.
//!
//! `BENCH_WORKERS` (if set) is passed to the server builder's `.workers(n)` (the number of
//! I/O threads, i.e. tokio worker threads), as the raw hyper and axum baselines pass it to
//! their tokio runtime's `worker_threads`. Everything else is the server's default.
//!
//! Run with: cargo run --release -p gateway-bench --bin gateway-hello-sync -- PORT

use gateway::{wsgi_app, Environ, StartResponse};
use gateway_bench::{port, workers};

#[wsgi_app]
fn application(environ: &Environ, start_response: StartResponse) -> Vec<Vec<u8>> {
    start_response("200 OK", &[("Content-Type", "text/html")]);
    let name = environ["PATH_INFO"].get(1..).unwrap_or("");
    let body = format!(
        "<h1>Hello, {}!</h1>",
        if name.is_empty() { "Web" } else { name }
    );
    vec![body.into_bytes()]
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let port = port();
    let mut builder = gateway::Server::builder().bind(("127.0.0.1", port));
    if let Some(n) = workers() {
        builder = builder.workers(n);
    }
    builder.build(application)?.serve_forever()?;
    Ok(())
}
