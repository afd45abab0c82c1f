use gateway_core::Environ;
use gateway_macros::wsgi_app;

#[wsgi_app]
fn application(_environ: &Environ, status: String) -> String {
    status
}

fn main() {}
