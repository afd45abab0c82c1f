//! The gateway hello application, sync flavour, behind a 100-entry routing table: 99 static
//! and parameter routes that `GET /` never takes, then the mount at `/` (matchit's catch-all)
//! that reaches `gateway_bench::gateway_hello::sync_app` with `PATH_INFO` unchanged. `GET /`
//! answers exactly as `gateway-hello-sync` does; the difference between the two is the cost of
//! routing. `BENCH_WORKERS` (if set) is the number of I/O threads, as for the baselines.
//!
//! Run with: cargo run --release -p gateway-bench --bin gateway-hello-routed -- PORT

use gateway::{Environ, StartResponse};
use gateway::{Router, RouterBuilder};
use gateway_bench::gateway_hello::{server, sync_app};

/// A route's application: never reached by the benchmark's `GET /`.
fn other(_environ: &Environ, start_response: StartResponse) -> &'static str {
    start_response("200 OK", &[("Content-Type", "text/plain")]);
    "other"
}

/// 99 routes of the shapes real tables have: 33 static pages, 33 resources with an id,
/// 33 nested resources with an id and a static tail.
fn ninety_nine_routes(mut router: RouterBuilder) -> RouterBuilder {
    for i in 0..33 {
        router = router
            .get(&format!("/pages/page-{i}"), other)
            .get(&format!("/resource{i}/{{id}}"), other)
            .post(&format!("/api/v1/items{i}/{{id}}/detail"), other);
    }
    router
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let router: Router = ninety_nine_routes(Router::builder())
        .mount("/", sync_app)
        .build()?;
    server(router, gateway_bench::port())?.serve_forever()?;
    Ok(())
}
