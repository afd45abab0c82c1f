//! The hello example, through gateway-core and gateway-macros alone.

use gateway_core::{Application, Environ, StartResponse};
use gateway_macros::wsgi_app;

/// Says hello to the path.
#[wsgi_app]
fn application(environ: &Environ, start_response: StartResponse) -> Vec<Vec<u8>> {
    start_response("200 OK", &[("Content-Type", "text/html")]);
    vec![format!("<h1>Hello, {}!</h1>", environ.path_info()).into_bytes()]
}

fn serve(app: impl Application) -> bool {
    app.blocking()
}

fn main() {
    assert!(serve(application));
}
