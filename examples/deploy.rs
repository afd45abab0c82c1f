//! The hello application, deployed: the operator chooses the listeners, limits and threads
//! with flags, `GATEWAY_*` environment variables or a `--config` TOML file.
//!
//! Run with: `cargo run --example deploy -- --help` to see every option, or
//! `cargo run --example deploy -- --socket 127.0.0.1:9000 --http 127.0.0.1:8000` to serve
//! nginx's `uwsgi_pass` on 9000 and plain HTTP on 8000 at once (see docs/deploying.md).

use gateway::util::escape_html;
use gateway::{wsgi_app, Environ, StartResponse};

/// The longest `/sleep`.
const MAX_SLEEP_MS: u64 = 10_000;

/// Greets the name in the path, or the Web. `/sleep?ms=N` answers after N milliseconds (at
/// most 10 s): a slow request, to watch a graceful stop or a reload wait for it.
#[wsgi_app]
pub fn application(environ: &Environ, start_response: StartResponse) -> Vec<Vec<u8>> {
    if environ.path_info() == "/sleep" {
        let ms = environ["QUERY_STRING"]
            .strip_prefix("ms=")
            .and_then(|ms| ms.parse().ok())
            .unwrap_or(0u64)
            .min(MAX_SLEEP_MS);
        std::thread::sleep(std::time::Duration::from_millis(ms));
        start_response("200 OK", &[("Content-Type", "text/plain")]);
        return vec![format!("slept {ms} ms in worker {}\n", std::process::id()).into_bytes()];
    }
    start_response("200 OK", &[("Content-Type", "text/html")]);
    let name = environ["PATH_INFO"].get(1..).unwrap_or(""); // Python's [1:]: never panics
    let body = format!(
        "<h1>Hello, {}!</h1>",
        escape_html(if name.is_empty() { "Web" } else { name })
    );
    vec![body.into_bytes()]
}

fn main() -> gateway::Result<()> {
    gateway::run(application)
}
