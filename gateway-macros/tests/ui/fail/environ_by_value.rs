use gateway_core::{Environ, StartResponse};
use gateway_macros::wsgi_app;

#[wsgi_app]
fn application(environ: Environ, start_response: StartResponse) -> String {
    start_response("200 OK", &[]);
    environ.path_info().to_owned()
}

fn main() {}
