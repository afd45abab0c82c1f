use gateway_core::{Environ, StartResponse};
use gateway_macros::wsgi_app;

#[wsgi_app]
fn application(_environ: &Environ, start_response: StartResponse) {
    start_response("204 No Content", &[]);
}

fn main() {}
