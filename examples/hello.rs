//! The note's program, line for line: `hello.py` and `server.py` in one file.
//!
//! Run with: `cargo run --example hello`, then open <http://127.0.0.1:8000/Alice>.
//! `--port N` or `PORT=N` serves on another port. Each request prints pysnooper's trace of
//! `application` to stderr, as the note's `@pysnooper.snoop` did; `GATEWAY_SNOOP=off`
//! silences it.

use gateway::util::escape_html;
use gateway::{make_server, port_from_args, snoop, wsgi_app, Environ, StartResponse};

/// The note's application: greets the name in the path, or the Web.
#[wsgi_app]
#[snoop(max_variable_length = None)]
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
    let port = port_from_args(8000)?;
    let httpd = make_server("", port, application)?;
    println!("serving port {port}...");
    httpd.serve_forever()?;
    Ok(())
}
