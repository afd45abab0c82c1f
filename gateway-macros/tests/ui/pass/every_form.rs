//! The forms a user may write: paths, patterns, visibility, attributes, lifetimes, async,
//! lazy bodies, `crate = ".."`, and user items named like std ones.
#![deny(warnings)]

use gateway_core::{Application, Body, Environ, StartResponse};
use gateway_macros::wsgi_app;

// Items that would hijack an expansion written with relative paths.
#[allow(dead_code)]
enum Result {
    Ok,
    Err,
}
#[allow(dead_code)]
struct Box;
#[allow(dead_code)]
struct Vec;

mod site {
    use gateway_macros::wsgi_app;

    /// Public, documented, with full paths for the types.
    #[wsgi_app]
    pub fn index(
        _environ: &gateway_core::Environ,
        start_response: gateway_core::StartResponse,
    ) -> &'static str {
        start_response("200 OK", &[]);
        "index"
    }
}

#[wsgi_app]
#[allow(clippy::needless_lifetimes)]
fn with_lifetime<'a>(_: &'a Environ, mut start_response: StartResponse) -> String {
    start_response = start_response;
    start_response("200 OK", &[]);
    String::new()
}

#[wsgi_app]
#[inline(never)]
fn may_fail(
    environ: &Environ,
    start_response: StartResponse,
) -> ::core::result::Result<String, std::io::Error> {
    start_response("200 OK", &[]);
    Ok(environ.path_info().to_owned())
}

#[wsgi_app]
fn lazy(_environ: &Environ, start_response: StartResponse) -> impl Iterator<Item = String> {
    start_response("200 OK", &[]);
    (0..3).map(|i| i.to_string())
}

#[wsgi_app]
fn lazy_or_error(
    _environ: &Environ,
    start_response: StartResponse,
) -> std::result::Result<impl Iterator<Item = &'static str> + Send, String> {
    start_response("200 OK", &[]);
    Ok(["a", "b"].into_iter())
}

#[wsgi_app(crate = "gateway_core")]
async fn asynchronous(environ: &Environ, start_response: StartResponse) -> Body {
    let path = std::future::ready(environ.path_info().to_owned()).await;
    start_response("200 OK", &[]);
    Body::from_iter([path])
}

#[cfg(any())]
#[wsgi_app]
fn configured_out(_environ: &Environ, start_response: StartResponse) -> ::std::vec::Vec<u8> {
    start_response("200 OK", &[]);
    unknown_function()
}

fn main() {
    let apps: [&dyn Application; 6] = [
        &site::index,
        &with_lifetime,
        &may_fail,
        &lazy,
        &lazy_or_error,
        &asynchronous,
    ];
    assert!(apps[..5].iter().all(|app| app.blocking()));
    assert!(!asynchronous.blocking());
    let _ = Result::Ok;
}
