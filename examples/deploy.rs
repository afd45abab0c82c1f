//! The hello application, deployed: the operator chooses the listeners, limits and threads
//! with flags, `GATEWAY_*` environment variables or a `--config` TOML file.
//!
//! Run with: `cargo run --example deploy -- --help` to see every option, or
//! `cargo run --example deploy -- --socket 127.0.0.1:9000 --http 127.0.0.1:8000` to serve
//! nginx's `uwsgi_pass` on 9000 and plain HTTP on 8000 at once (see docs/deploying.md).

use gateway::util::escape_html;
use gateway::{wsgi_app, Environ, StartResponse};

/// Greets the name in the path, or the Web.
#[wsgi_app]
pub fn application(environ: &Environ, start_response: StartResponse) -> Vec<Vec<u8>> {
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
