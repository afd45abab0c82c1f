use gateway_core::{Environ, StartResponse};
use gateway_macros::wsgi_app;
use std::future::Future;

#[wsgi_app]
fn application(_environ: &Environ, start_response: StartResponse) -> impl Future<Output = String> {
    start_response("200 OK", &[]);
    async { String::new() }
}

fn main() {}
