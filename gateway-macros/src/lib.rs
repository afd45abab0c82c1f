//! `#[wsgi_app]`: turns `fn application(environ, start_response)` into a gateway WSGI
//! application.
//!
//! Use it through the `gateway` crate (`use gateway::wsgi_app;`), or with `gateway-core`
//! alone: the generated code names whichever of the two the crate depends on. The attribute
//! is documented on [`macro@wsgi_app`].
#![deny(missing_docs)]

mod args;
mod body;
mod expand;
mod krate;
mod signature;

use proc_macro::TokenStream;

/// Turns a function into a WSGI application: PEP 3333's `application(environ,
/// start_response)`, written as in Python.
///
/// ```ignore
/// use gateway::{make_server, wsgi_app, Environ, StartResponse};
///
/// #[wsgi_app]
/// fn application(environ: &Environ, start_response: StartResponse) -> Vec<Vec<u8>> {
///     start_response("200 OK", &[("Content-Type", "text/html")]);
///     vec![format!("<h1>Hello, {}!</h1>", environ.path_info()).into_bytes()]
/// }
///
/// fn main() -> gateway::Result<()> {
///     let httpd = make_server("", 8000, application)?;
///     httpd.serve_forever()?;
///     Ok(())
/// }
/// ```
///
/// `application` is now a value that implements `Application`, so it can be given to the
/// server, a router or a middleware as it is. The function takes the environ by reference and
/// `start_response` by value; any pattern works for either (`_environ`, `mut
/// start_response`), and the types may be written with their paths (`&gateway::Environ`).
///
/// The function itself is no longer callable by name (`application` is the value): call it
/// as the server does, with `Application::call`, or keep the logic in a plain function that
/// the application calls.
///
/// # `async fn`
///
/// An `async fn` works the same way: the server awaits it on its I/O threads instead of
/// running it on a blocking thread. Its future must be `Send`: hold no `Rc` or
/// `std::sync::MutexGuard` across an `.await`.
///
/// ```ignore
/// #[wsgi_app]
/// async fn application(environ: &Environ, start_response: StartResponse) -> String {
///     let user = fetch_user(environ.path_info()).await;
///     start_response("200 OK", &[("Content-Type", "text/plain")]);
///     format!("Hello, {user}!")
/// }
/// ```
///
/// # What it may return
///
/// | return type | the body |
/// |---|---|
/// | `Vec<Vec<u8>>`, `Vec<String>`, `Vec<&'static str>`, `Vec<Bytes>` | those chunks, in order |
/// | `Vec<u8>`, `String`, `&'static str`, `&'static [u8]`, `Bytes` | one chunk, sent with a `Content-Length` |
/// | `Body` | as it is |
/// | `impl Iterator<Item = C>`, `Box<dyn Iterator<Item = C> + Send>`, any other named type that is an iterator (`std::vec::IntoIter<C>`, your own) | lazy: one chunk is produced each time the server can send one |
/// | `Result<T, E>` of any of the above, with `E: Display` | `Ok` as above; `Err` becomes a 500 and goes to `wsgi.errors` |
///
/// A chunk `C` is `Vec<u8>`, `String`, `&'static str`, `&'static [u8]` or `Bytes`. The
/// choice is made on how the return type is written, so name it directly: a type alias is
/// taken for an iterator (return `Body`, or write the type out, if that is not what it is).
///
/// # Equivalent code without the macro
///
/// The hello example above expands to (with `::gateway_core` instead of `::gateway` for a
/// crate that depends on `gateway-core` alone):
///
/// ```ignore
/// #[allow(non_camel_case_types)]
/// #[derive(Clone, Copy, Debug)]
/// struct application;
///
/// impl ::gateway::Application for application {
///     fn call(
///         &self,
///         environ: ::gateway::Environ,
///         start_response: ::gateway::StartResponse,
///     ) -> ::gateway::Outcome {
///         #[allow(clippy::needless_pass_by_value)]
///         fn application(environ: &Environ, start_response: StartResponse) -> Vec<Vec<u8>> {
///             start_response("200 OK", &[("Content-Type", "text/html")]);
///             vec![format!("<h1>Hello, {}!</h1>", environ.path_info()).into_bytes()]
///         }
///         ::gateway::Outcome::Ready(::gateway::IntoBody::into_body(application(
///             &environ,
///             start_response,
///         )))
///     }
/// }
/// ```
///
/// Doc comments on the function move to the struct; every other attribute stays on the
/// function. For an `async fn`, `call` returns the future instead, and `blocking` says the
/// application does not block:
///
/// ```text
/// ::gateway::Outcome::Pending(::std::boxed::Box::pin(async move {
///     let environ = environ;
///     ::gateway::IntoBody::into_body(application(&environ, start_response).await)
/// }))
/// // ...
/// fn blocking(&self) -> bool {
///     false
/// }
/// ```
///
/// A lazy iterator is wrapped with `::gateway::Body::from_iter(..)` instead of
/// `IntoBody::into_body(..)`, and a `Result` of one with
/// `::core::result::Result::map_or_else(.., ::gateway::Body::failed, ::gateway::Body::from_iter)`.
///
/// # Arguments
///
/// `#[wsgi_app(crate = "path")]` names the gateway crate when the dependency is renamed
/// (`my_gateway = { package = "gateway", .. }` is found without it, from `Cargo.toml`).
///
/// # Errors
///
/// A signature the server cannot call is a compile error under the token to change, with
/// what to write instead:
///
/// ```text
/// error: take the environ by reference: write `environ: &Environ`
///  --> src/main.rs:4:25
///   |
/// 4 | fn application(environ: Environ, start_response: StartResponse) -> String {
///   |                         ^^^^^^^
/// ```
///
/// Refused: anything but a free function; a `const`, `unsafe`, `extern` or generic function;
/// other parameters than `(environ: &Environ, start_response: StartResponse)`; no return
/// type, `()`, numbers, `Option`, tuples, arrays, `impl Future` (write `async fn`), and
/// borrowed bodies (`&str`: return `String`, or `&'static str`).
///
/// # Limitations
///
/// `application` is a unit struct, so in the same module a `let application = ..;` or a
/// `match` arm `application => ..` matches that struct instead of binding a new variable:
/// give applications names that are not also used for local variables (`index`, not `body`).
#[proc_macro_attribute]
pub fn wsgi_app(attr: TokenStream, item: TokenStream) -> TokenStream {
    let original = proc_macro2::TokenStream::from(item.clone());
    match expand::expand(attr.into(), item.into()) {
        Ok(tokens) => tokens.into(),
        // The item as written, plus the error: the IDE keeps seeing the function.
        Err(error) => {
            let mut tokens = original;
            tokens.extend(error.into_compile_error());
            tokens.into()
        }
    }
}
