use gateway_core::{Environ, StartResponse};
use gateway_macros::wsgi_app;

#[wsgi_app]
fn application(start_response: StartResponse, environ: &Environ) -> String {
    start_response("200 OK", &[]);
    environ.path_info().to_owned()
}

fn main() {}
