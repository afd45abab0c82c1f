use gateway_core::{Environ, StartResponse};
use gateway_macros::wsgi_app;

struct Site;

impl Site {
    #[wsgi_app]
    fn application(&self, _environ: &Environ, start_response: StartResponse) -> String {
        start_response("200 OK", &[]);
        String::new()
    }
}

fn main() {}
