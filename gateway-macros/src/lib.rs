//! `#[wsgi_app]`: turns `fn application(environ, start_response)` into a gateway WSGI
//! application. `#[snoop]`: pysnooper's trace of any function.
//!
//! Use them through the `gateway` crate (`use gateway::{snoop, wsgi_app};`), or with the
//! parts alone (`gateway-core` for `#[wsgi_app]`, `gateway-snoop` for `#[snoop]`'s runtime):
//! the generated code names whichever the crate depends on.
//! The attributes are documented on [`macro@wsgi_app`] and [`macro@snoop`].
#![deny(missing_docs)]

mod args;
mod body;
mod expand;
mod krate;
mod signature;
mod snoop;

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
/// | `Result<T, E>` of any of the above, with `E: Display + 'static` | `Ok` as above; `Err(HttpError)` answers with its status and body; any other `Err` becomes a 500 and goes to `wsgi.errors` |
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
///         ::gateway::Outcome::Ready(::gateway::Body::answer_through(
///             ::gateway::IntoBody::into_body(application(
///                 &environ,
///                 ::core::clone::Clone::clone(&start_response),
///             )),
///             &environ,
///             &start_response,
///         ))
///     }
///
///     fn blocking(&self) -> bool {
///         true
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
///     let body = ::gateway::IntoBody::into_body(
///         application(&environ, ::core::clone::Clone::clone(&start_response)).await,
///     );
///     ::gateway::Body::answer_through(body, &environ, &start_response)
/// }))
/// // ...
/// fn blocking(&self) -> bool {
///     false
/// }
/// ```
///
/// `Body::answer_through` gives the answer of an `Err(HttpError)` to the application's own
/// `start_response` (so it needs a clone of it); any other body passes through it unchanged.
/// A lazy iterator is wrapped with `::gateway::Body::from_iter(..)` instead of
/// `IntoBody::into_body(..)` (and is never an answer), and a `Result` of one with
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

/// pysnooper's `@snoop`: prints each line of the function as it runs, with the values of its
/// variables.
///
/// ```ignore
/// use gateway::{snoop, wsgi_app, Environ, StartResponse};
///
/// #[wsgi_app]
/// #[snoop(max_variable_length = None)]
/// fn application(environ: &Environ, start_response: StartResponse) -> Vec<Vec<u8>> {
///     start_response("200 OK", &[("Content-Type", "text/html")]);
///     let body = format!("<h1>Hello, {}!</h1>", &environ["PATH_INFO"][1..]);
///     vec![body.into_bytes()]
/// }
/// ```
///
/// Each call writes to stderr, in pysnooper's format:
///
/// ```text
/// Source path:... /home/me/app/src/main.rs
/// Starting var:.. environ = {'REQUEST_METHOD': 'GET', 'PATH_INFO': '/Alice', ...}
/// Starting var:.. start_response = <start_response: not called>
/// 11:39:11.095888 call         5 fn application(environ: &Environ, start_response: StartResponse) -> Vec<Vec<u8>> {
/// 11:39:11.095903 line         6     start_response("200 OK", &[("Content-Type", "text/html")]);
/// 11:39:11.095931 line         7     let body = format!("<h1>Hello, {}!</h1>", &environ["PATH_INFO"][1..]);
/// New var:....... body = "<h1>Hello, Alice!</h1>"
/// 11:39:11.095967 line         8     vec![body.into_bytes()]
/// 11:39:11.095980 return       8     vec![body.into_bytes()]
/// Return value:.. [b'<h1>Hello, Alice!</h1>']
/// Elapsed time: 00:00:00.000092
/// ```
///
/// - `Source path` once per call; `Starting var` for each argument (`self` included);
///   `call` on the line of `fn`.
/// - `line` before each statement as it runs, in nested blocks, `if`/`else if`/`else`,
///   `match` arms, and loops: the loop's line again before each new turn, as Python reports
///   the `for`/`while` line before each test. Statements on the line of the statement that
///   encloses them have no event of their own. Closures, `async` blocks and nested items
///   are not traced inside.
/// - `New var` after each `let` for every name it binds (tuples, structs, `let .. else`);
///   `New var`/`Modified var` for the bindings of a `match` arm, `if let`, `while let` and
///   a `for` pattern; `Modified var` after `=` or `+=` (and the like) to a variable, or to a
///   place such as `self.count`, `v[i]`, `*r`, when the value changed.
/// - `return` on the last line that ran, whether the body ended on its tail expression,
///   `return` or `?`; `Return value`; `Elapsed time`. A panic ends with `Call ended by
///   panic`, a dropped future with `Call ended by cancellation`.
/// - Values print with `Debug`; bytes (`Vec<u8>`, `&[u8]` and lists of them) as Python
///   prints `bytes` (`b'...'`); a value whose type has no `Debug` as `<its::Type>`. Values longer than
///   `max_variable_length` are shortened with `...` in the middle.
///
/// Works on `fn`, `async fn` (each event is timed when it happens, across `.await`),
/// methods, generic functions, and with `#[wsgi_app]` above or below it. Setting
/// `GATEWAY_SNOOP=off` in the environment silences every `#[snoop]` without recompiling: a
/// silenced call costs an atomic load, and each of its trace points a branch.
///
/// The generated code calls the runtime in the `gateway-snoop` crate, through
/// `gateway::snoop` for a user of the facade; without the facade, depend on `gateway-snoop`
/// too. `gateway::snoop::capture` (or `gateway_snoop::capture`) collects a trace for tests.
///
/// # Options
///
/// pysnooper's names and meanings:
///
/// | option | default | |
/// |---|---|---|
/// | `output = "path"` | stderr | append to this file instead (a string, or `concat!(..)`/`env!(..)`); `"tracing"`: one `tracing` event per line (`INFO`, target `gateway::snoop`); `"stderr"` |
/// | `watch = ("expr", ..)` | | Rust expressions printed like variables, when they change (also `watch = "expr"`) |
/// | `prefix = "ZZZ "` | `""` | written at the start of every line |
/// | `max_variable_length = 200` | `100` | `None` shows values whole |
/// | `relative_time = true` | `false` | timestamps count from the call's start |
/// | `thread_info = true` | `false` | every line names its thread: `ident-name` |
/// | `color = true` / `false` | colour when stderr is a terminal | `true` colours stderr even through a pipe; files and `tracing` never |
/// | `crate = "path"` | found in `Cargo.toml` | the gateway crate, when renamed or re-exported: the runtime is its `snoop` module |
///
/// As in pysnooper, a leading string is the output: `#[snoop("/tmp/trace.log")]`.
///
/// # Equivalent code without the macro
///
/// The body runs in a closure (an `async move` block for an `async fn`) so that `return`
/// and `?` hand their value to the trace on the way out. `__private` is the runtime's module
/// for generated code, not an API (`::gateway_snoop::__private` without the facade):
///
/// ```ignore
/// fn double(x: i32) -> i32 {
///     use ::gateway::snoop::__private::{ReprDebug as _, ReprName as _};
///     static TRACER: ::gateway::snoop::__private::Tracer = ::gateway::snoop::__private::Tracer::new(::gateway::snoop::__private::Options {
///         function: "double", path: "/home/me/app/src/main.rs", line: 1,
///         source: "fn double(x: i32) -> i32 {", output: ::gateway::snoop::__private::Output::Stderr,
///         prefix: "", max_variable_length: Some(100), relative_time: false,
///         thread_info: false, color: ::gateway::snoop::__private::Color::Auto,
///     });
///     let frame = ::gateway::snoop::__private::Frame::enter(&TRACER, false);
///     let snoop = &frame;
///     if snoop.on() {
///         snoop.start_var("x", (&::gateway::snoop::__private::Value(&x)).snoop_repr());
///         snoop.call();
///     }
///     let value = ::gateway::snoop::__private::call::<i32, _>(move || {
///         snoop.line(2, "    let y = x * 2;");
///         let y = x * 2;
///         if snoop.on() {
///             snoop.new_var("y", (&::gateway::snoop::__private::Value(&y)).snoop_repr());
///         }
///         snoop.line(3, "    y");
///         y
///     });
///     if snoop.on() {
///         snoop.ret((&::gateway::snoop::__private::Value(&value)).snoop_repr());
///     }
///     value
/// }
/// ```
///
/// # Limitations
///
/// Rust has no runtime introspection, and the trace must never make a program fail to
/// compile that compiles without it, so it reads a variable only where the borrow checker
/// is sure to allow it:
///
/// - Variables are printed right after the `let` (or assignment) that gives them their value.
///   A change made through a method (`v.push(1)`) or through a reference held elsewhere is
///   not seen until the next assignment to the variable; pysnooper compares every local after
///   every line, which Rust cannot do once a value is moved or mutably borrowed.
/// - Whether a type has `Debug` is decided where the variable is bound. An empty container
///   (`Vec::new()`, `HashMap::new()`, `vec![]`, `None`) prints `[]`, `{}` or `None` without
///   that question, but for `let x = Default::default();` (or a `.collect()` or `.parse()`
///   whose type comes later) the type may not be known there yet; if it turns out to have
///   no `Debug`, the build fails with "`T` doesn't implement `Debug`" under the variable:
///   write the type (`let x: T = Default::default();`) and it prints as `<T>`. In a
///   generic function, a `T` without a `Debug` bound prints as `<the concrete type>`.
/// - A capitalised name in a pattern (`None`, `MAX`) is taken for a constant, not a binding.
/// - `watch` expressions are read before every statement where the variables they name are
///   in scope; one that is moved, or mutably borrowed across a statement, makes the build
///   fail under the `watch` string.
/// - Assigning to a `union` field (`u.f = 1`) is refused by the build, since reading the
///   field back needs `unsafe`.
/// - `const fn` cannot be traced; in a `#[track_caller]` function, `Location::caller()`
///   and panics inside see the closure's caller instead.
/// - Only the function's own statements are traced (pysnooper's `depth = 1`): put `#[snoop]`
///   on the functions it calls to see them too, indented under it.
#[proc_macro_attribute]
pub fn snoop(attr: TokenStream, item: TokenStream) -> TokenStream {
    let original = proc_macro2::TokenStream::from(item.clone());
    match snoop::expand(attr.into(), item.into()) {
        Ok(tokens) => tokens.into(),
        // The item as written, plus the error: the IDE keeps seeing the function.
        Err(error) => {
            let mut tokens = original;
            tokens.extend(error.into_compile_error());
            tokens.into()
        }
    }
}
