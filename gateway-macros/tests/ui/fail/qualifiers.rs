use gateway_core::{Environ, StartResponse};
use gateway_macros::wsgi_app;

#[wsgi_app]
const fn constant(_environ: &Environ, _start_response: StartResponse) -> &'static str {
    "constant"
}

#[wsgi_app]
unsafe fn dangerous(_environ: &Environ, start_response: StartResponse) -> String {
    start_response("200 OK", &[]);
    String::new()
}

#[wsgi_app]
extern "C" fn foreign(_environ: &Environ, start_response: StartResponse) -> String {
    start_response("200 OK", &[]);
    String::new()
}

fn main() {}
