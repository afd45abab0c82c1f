//! The validator (`wsgiref.validate`) around an application with a deliberate mistake.
//!
//! Run with: `cargo run --example validate`, then request
//!
//! * <http://127.0.0.1:8000/> (a correct response: it goes through unchanged),
//! * <http://127.0.0.1:8000/mistake> (no `Content-Type`: the validator answers 500 and the
//!   log says why),
//! * <http://127.0.0.1:8000/short> (`Content-Length` says more than the body has: the log says
//!   so, the client sees a 500).
//!
//! `--port N` or `PORT=N` serves on another port.

use gateway::{make_server, port_from_args, wsgi_app, Environ, StartResponse};
use gateway::{validator, Validator};

/// Correct at `/`; at `/mistake` it forgets `Content-Type`, at `/short` it promises more
/// bytes than it sends.
#[wsgi_app]
pub fn application(environ: &Environ, start_response: StartResponse) -> &'static str {
    match environ.path_info() {
        "/mistake" => {
            start_response("200 OK", &[]); // the mistake: no Content-Type
            "Hello without a type"
        }
        "/short" => {
            start_response(
                "200 OK",
                &[("Content-Type", "text/plain"), ("Content-Length", "100")],
            );
            "Not a hundred bytes"
        }
        _ => {
            start_response("200 OK", &[("Content-Type", "text/plain")]);
            "Hello, validated Web!"
        }
    }
}

/// The application, checked.
pub fn checked() -> Validator<application> {
    validator(application)
}

fn main() -> gateway::Result<()> {
    let port = port_from_args(8000)?;
    let httpd = make_server("", port, checked())?;
    println!("serving port {port} under the validator...");
    println!("  curl -i http://127.0.0.1:{port}/          a valid response, unchanged");
    println!("  curl -i http://127.0.0.1:{port}/mistake   no Content-Type: a 500, and the reason in the log");
    println!("  curl -i http://127.0.0.1:{port}/short     a body shorter than its Content-Length");
    httpd.serve_forever()?;
    Ok(())
}
