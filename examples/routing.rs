//! Routing: the note's greeting through a route parameter, a mounted sub-application, and a
//! POST-only route.
//!
//! Run with: `cargo run --example routing`, then open
//!
//! * <http://127.0.0.1:8000/> (links to the rest),
//! * <http://127.0.0.1:8000/hello/Alice> (`/hello/{name}`: the name comes from the route),
//! * <http://127.0.0.1:8000/api/users/7> (mounted at `/api`: `SCRIPT_NAME=/api`,
//!   `PATH_INFO=/users/7`),
//! * `curl -d 'hi' http://127.0.0.1:8000/echo` (POST only: a GET answers 405 with
//!   `Allow: POST`), and any other path for the 404.
//!
//! `--port N` or `PORT=N` serves on another port.

use gateway::util::{escape_html, request_uri};
use gateway::Router;
use gateway::{make_server, port_from_args, wsgi_app, Environ, StartResponse};
use std::io::Read;

/// The home page: where to go from here.
#[wsgi_app]
fn home(_environ: &Environ, start_response: StartResponse) -> &'static str {
    start_response("200 OK", &[("Content-Type", "text/html")]);
    concat!(
        "<h1>Routing</h1><ul>",
        "<li><a href=\"/hello/Alice\">/hello/Alice</a></li>",
        "<li><a href=\"/api/users/7\">/api/users/7</a></li>",
        "<li><a href=\"/echo\">/echo</a> (POST only)</li></ul>"
    )
}

/// The note's greeting, with the name taken from the route `/hello/{name}` (decoded).
#[wsgi_app]
fn greet(environ: &Environ, start_response: StartResponse) -> Vec<Vec<u8>> {
    start_response("200 OK", &[("Content-Type", "text/html")]);
    let name = environ.route_param("name").unwrap_or("Web");
    vec![format!("<h1>Hello, {}!</h1>", escape_html(name)).into_bytes()]
}

/// The sub-application mounted at `/api`: it sees only its part of the path.
#[wsgi_app]
fn api(environ: &Environ, start_response: StartResponse) -> String {
    start_response("200 OK", &[("Content-Type", "text/plain; charset=utf-8")]);
    format!(
        "SCRIPT_NAME={}\nPATH_INFO={}\nrequest_uri={}\n",
        environ.script_name(),
        environ.path_info(),
        request_uri(environ, true)
    )
}

/// POST only: echoes the request body.
#[wsgi_app]
fn echo(environ: &Environ, start_response: StartResponse) -> Result<Vec<u8>, std::io::Error> {
    let mut body = Vec::new();
    environ.input().read_to_end(&mut body)?;
    start_response("200 OK", &[("Content-Type", "application/octet-stream")]);
    Ok(body)
}

/// The routing table of this example.
pub fn app() -> Result<Router, gateway::RouteError> {
    Router::builder()
        .get("/", home)
        .get("/hello/{name}", greet)
        .post("/echo", echo)
        .mount("/api", api)
        .build()
}

fn main() -> gateway::Result<()> {
    // Optional: with a subscriber, the server's log goes through `tracing` (without one it
    // is plain lines on stderr). No colour codes when stderr is a file or a pipe.
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_writer(std::io::stderr)
        .init();
    let port = port_from_args(8000)?;
    let httpd = make_server("", port, app()?)?;
    println!("serving port {port}...");
    httpd.serve_forever()?;
    Ok(())
}
