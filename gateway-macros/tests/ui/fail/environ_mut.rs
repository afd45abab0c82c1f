use gateway_core::{Environ, StartResponse};
use gateway_macros::wsgi_app;

#[wsgi_app]
fn application(environ: &mut Environ, start_response: StartResponse) -> String {
    environ.insert("REMOTE_USER", "alice");
    start_response("200 OK", &[]);
    String::new()
}

fn main() {}
