use gateway_core::{Environ, StartResponse};
use gateway_macros::wsgi_app;

#[wsgi_app]
fn application(_environ: &Environ, start_response: &StartResponse) -> String {
    start_response("200 OK", &[]);
    String::new()
}

fn main() {}
