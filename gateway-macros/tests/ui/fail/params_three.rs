use gateway_core::{Environ, StartResponse};
use gateway_macros::wsgi_app;

struct Database;

#[wsgi_app]
fn application(environ: &Environ, start_response: StartResponse, db: &Database) -> String {
    start_response("200 OK", &[]);
    let _ = db;
    environ.path_info().to_owned()
}

fn main() {}
