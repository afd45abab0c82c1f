use gateway_core::{Environ, StartResponse};
use gateway_macros::wsgi_app;

#[wsgi_app]
fn application(environ: &Environ, start_response: StartResponse) -> Option<String> {
    start_response("200 OK", &[]);
    environ.get("HTTP_COOKIE").map(str::to_owned)
}

fn main() {}
