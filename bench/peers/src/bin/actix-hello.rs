//! actix-web 4 comparison: `GET /` (and any other path) answers `200 OK`,
//! `Content-Type: text/html` and `<h1>Hello, Web!</h1>` (with `Content-Length`), served by
//! `HttpServer` with its defaults, plus `TCP_NODELAY` on every accepted connection (as the
//! gateway server and the raw hyper baseline set it), HTTP/1 and cleartext HTTP/2 with prior
//! knowledge (`bind_auto_h2c`, so h2load can measure it too).
//!
//! actix-web runs one single-threaded runtime per worker, one worker per core by default
//! (`available_parallelism`, which honours `taskset`); `BENCH_WORKERS` (if set) fixes the
//! worker count, as it fixes the tokio worker threads of the other baselines.
//!
//! Run with: cargo run --release -p gateway-bench-peers --bin actix-hello -- PORT

use actix_web::{web, App, HttpResponse, HttpServer};
use gateway_bench::{port, workers, HELLO};
use std::net::{Ipv4Addr, SocketAddr};

async fn hello() -> HttpResponse {
    HttpResponse::Ok().content_type("text/html").body(HELLO)
}

fn main() -> std::io::Result<()> {
    let port = port();
    actix_web::rt::System::new().block_on(async move {
        let mut server = HttpServer::new(|| {
            App::new()
                .route("/", web::get().to(hello))
                .default_service(web::to(hello))
        })
        .tcp_nodelay(true)
        // The harness stops servers with SIGTERM once wrk is done; nothing is in flight.
        .shutdown_timeout(1);
        if let Some(n) = workers() {
            server = server.workers(n);
        }
        server
            .bind_auto_h2c(SocketAddr::from((Ipv4Addr::LOCALHOST, port)))?
            .run()
            .await
    })
}
