use gateway_core::Environ;
use gateway_macros::wsgi_app;

#[wsgi_app]
fn application(environ: &Environ) -> String {
    environ.path_info().to_owned()
}

fn main() {}
