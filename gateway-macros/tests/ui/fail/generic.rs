use gateway_core::{Environ, StartResponse};
use gateway_macros::wsgi_app;

#[wsgi_app]
fn application<T: Default + ToString>(_environ: &Environ, start_response: StartResponse) -> String {
    start_response("200 OK", &[]);
    T::default().to_string()
}

fn main() {}
