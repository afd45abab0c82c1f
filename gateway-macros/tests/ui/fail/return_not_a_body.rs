use gateway_core::{Environ, StartResponse};
use gateway_macros::wsgi_app;

/// Neither chunks nor an iterator of chunks.
struct Page {
    title: String,
}

#[wsgi_app]
fn numbers(_environ: &Environ, start_response: StartResponse) -> Vec<u32> {
    start_response("200 OK", &[]);
    vec![1, 2, 3]
}

#[wsgi_app]
fn page(_environ: &Environ, start_response: StartResponse) -> Page {
    start_response("200 OK", &[]);
    Page {
        title: String::new(),
    }
}

fn main() {}
