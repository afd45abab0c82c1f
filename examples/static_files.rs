//! Static files in front of an application, like uWSGI's `--static-map /static=examples/static`.
//!
//! Run with: `cargo run --example static_files`, then open
//!
//! * <http://127.0.0.1:8000/static/> (`examples/static/index.html`, which loads `style.css`),
//! * <http://127.0.0.1:8000/Alice> (no file there: the application answers),
//! * `curl -i -H 'Range: bytes=0-15' http://127.0.0.1:8000/static/style.css` (a `206`).
//!
//! `--port N` or `PORT=N` serves on another port.

use gateway::util::escape_html;
use gateway::StaticFiles;
use gateway::{make_server, port_from_args, wsgi_app, Environ, StartResponse};
use std::path::PathBuf;

/// The application behind the files: the note's greeting.
#[wsgi_app]
pub fn application(environ: &Environ, start_response: StartResponse) -> Vec<Vec<u8>> {
    start_response("200 OK", &[("Content-Type", "text/html")]);
    let name = environ["PATH_INFO"].get(1..).unwrap_or("");
    let body = format!(
        "<h1>Hello, {}!</h1><p>Static files are under <a href=\"/static/\">/static/</a>.</p>",
        escape_html(if name.is_empty() { "Web" } else { name })
    );
    vec![body.into_bytes()]
}

/// The folder served under `/static/`, wherever the example is run from.
pub fn static_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("examples/static")
}

/// `/static/...` from [`static_dir`], everything else from [`application`].
pub fn site() -> StaticFiles<application> {
    StaticFiles::new("/static", static_dir(), application).index_file("index.html")
}

fn main() -> gateway::Result<()> {
    let port = port_from_args(8000)?;
    let httpd = make_server("", port, site())?;
    println!(
        "serving {} under /static/ and the application elsewhere, port {port}...",
        static_dir().display()
    );
    httpd.serve_forever()?;
    Ok(())
}
