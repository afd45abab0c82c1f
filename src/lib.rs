//! gateway: Python's WSGI contract (PEP 3333) in Rust, served by hyper.
//!
//! A web application is one function, `application(environ, start_response)`:
//!
//! ```no_run
//! use gateway::{make_server, wsgi_app, Environ, StartResponse};
//!
//! #[wsgi_app]
//! fn application(environ: &Environ, start_response: StartResponse) -> Vec<Vec<u8>> {
//!     start_response("200 OK", &[("Content-Type", "text/html")]);
//!     let name = environ["PATH_INFO"].get(1..).unwrap_or("");
//!     vec![format!("<h1>Hello, {}!</h1>", if name.is_empty() { "Web" } else { name }).into_bytes()]
//! }
//!
//! fn main() -> gateway::Result<()> {
//!     let httpd = make_server("", 8000, application)?;
//!     println!("serving port 8000...");
//!     httpd.serve_forever()?;
//!     Ok(())
//! }
//! ```
//!
//! # Contents
//!
//! **The guide**, in `docs/` of the repository; every example in it is compiled and run by
//! `cargo test`:
//!
//! 1. [gateway for WSGI developers](https://github.com/gateway-rs/gateway/blob/main/docs/wsgi-developers.md):
//!    each PEP 3333 concept in Rust.
//! 2. [Sharing state](https://github.com/gateway-rs/gateway/blob/main/docs/sharing-state.md):
//!    a struct that implements [`Application`], a closure over an `Arc`, locks.
//! 3. [Errors and 4xx answers](https://github.com/gateway-rs/gateway/blob/main/docs/errors.md):
//!    a 500 and its reason, [`HttpError`] and `?`, [`Status`], where the error log goes.
//! 4. [Query strings, forms, cookies and JSON](https://github.com/gateway-rs/gateway/blob/main/docs/requests.md).
//! 5. [Routing and mounting](https://github.com/gateway-rs/gateway/blob/main/docs/routing.md).
//! 6. [Writing middleware](https://github.com/gateway-rs/gateway/blob/main/docs/middleware.md).
//! 7. [Tracing a request with `#[snoop]`](https://github.com/gateway-rs/gateway/blob/main/docs/snoop.md).
//!
//! `examples/json_api.rs` is a JSON API with all of it (`cargo run --example json_api`).
//!
//! **By task:**
//!
//! | to | use |
//! |---|---|
//! | write an application | [`wsgi_app`] on a `fn` or `async fn`; [`app_fn`] for a closure; [`Application`] for a struct |
//! | serve it | [`make_server`] and [`Server::serve_forever`]; [`Server::builder`] for the address, limits, threads |
//! | route by path and method | [`Router`], [`Environ::route_param`] |
//! | read the query string | [`Environ::query`], [`forms::parse_qs`] |
//! | read a form (url-encoded or multipart) | [`Environ::form`] |
//! | read and set cookies | [`Environ::cookies`], [`forms::SetCookie`] |
//! | read and answer JSON | [`Environ::json`], [`StartResponse::json`], [`HttpError::json`] |
//! | answer 400, 404, 422, ... | [`HttpError`] (with `?`), [`Status`] |
//! | log a line, see why a request failed | [`Environ::errors`]; the error log (stderr without a `tracing` subscriber) |
//! | serve files | [`StaticFiles`] |
//! | wrap an application (middleware) | [`Application`], [`Outcome::map`], [`validator`] |
//! | test without a socket | [`TestClient`], [`TestRequest`], [`TestResponse`] |
//! | trace a function line by line | [`snoop`](macro@snoop) |
//!
//! # The model
//! One function per application, exactly as in PEP 3333. The server turns each HTTP request
//! into an [`Environ`] (the `environ` dict), calls the application with it and a
//! [`StartResponse`], and sends what the application returns as the body, chunk by chunk.
//! Everything else is an application too: a [`Router`] dispatches to applications, a
//! [`StaticFiles`] or a [`validator`] wraps one, and [`TestClient`] calls any of them without a
//! socket. Plain `fn` applications may block (they run on the server's application threads);
//! `async fn` applications run on its I/O threads.
//!
//! | PEP 3333 / wsgiref / WSGI world | gateway |
//! |---|---|
//! | `def application(environ, start_response)` | [`wsgi_app`] on a `fn` or `async fn`, or a closure; the [`Application`] trait |
//! | `environ` | [`Environ`]: `environ["PATH_INFO"]`, [`Environ::get`], [`Environ::insert`] |
//! | `environ['wsgi.input']`, `environ['wsgi.errors']` | [`Environ::input`] (`Read + BufRead`), [`Environ::errors`] (`Write`) |
//! | `start_response(status, headers[, exc_info])` | [`StartResponse`], [`StartResponse::with_exc_info`]; a [`Status`] (`&Status::NOT_FOUND`) where a status string goes |
//! | werkzeug's `abort(404)` / `HTTPException` | [`HttpError`]: `Err(HttpError::not_found(..))?` answers 404 |
//! | a closure application | [`app_fn`]`(\|environ, start_response\| ..)`: its parameter types are inferred |
//! | `json.loads(environ['wsgi.input'].read())`, `json.dumps` | [`json`] (feature `json`, on by default): [`Environ::json`], [`StartResponse::json`] |
//! | the returned iterable, `close()` | [`Body`] (any [`IntoBody`]); dropping it |
//! | `wsgiref.simple_server.make_server`, `serve_forever` | [`make_server`], [`Server::serve_forever`], [`Server::builder`] |
//! | `wsgiref.util`, `FileWrapper` | [`util`], [`FileWrapper`] |
//! | `wsgiref.headers.Headers` | [`Headers`] |
//! | `urllib.parse.parse_qs`, `cgi.FieldStorage`, `http.cookies` | [`forms`]: [`Environ::query`], [`Environ::form`], [`Environ::cookies`], [`forms::SetCookie`] |
//! | `wsgiref.validate.validator` | [`validator`] |
//! | Routes, werkzeug's `DispatcherMiddleware`, `wsgiorg.routing_args` | [`Router`], [`RoutingArgs`], [`Environ::route_param`] |
//! | uWSGI `--static-map`, WhiteNoise | [`StaticFiles`] |
//! | werkzeug's test client | [`TestClient`] |
//! | `@pysnooper.snoop` | [`snoop`](macro@snoop) |
//!
//! This crate re-exports the parts: the contract from `gateway-core`, `#[wsgi_app]` and
//! `#[snoop]` from `gateway-macros`, `#[snoop]`'s runtime from `gateway-snoop` (as the
//! module [`snoop`](mod@snoop)), and the server from `gateway-server`.
#![deny(missing_docs)]

// The contract (gateway-core): what an application and a middleware are made of.
pub use gateway_core::{
    app_fn, is_hop_by_hop, Application, Body, BodyFuture, ContractError, Environ, EnvironBuilder,
    ErrorLog, ErrorSink, Errors, Extension, HttpError, InputReader, Intercept, IntoBody, IntoChunk,
    Outcome, StartResponse, Status, Value, ValueRef, Writer, HOP_BY_HOP,
};
// What is built from the contract: routing, static files, the validator, the test client,
// and wsgiref's helpers.
pub use gateway_core::{
    forms, latin1, testing, util, validator, FileWrapper, FileWrapperClass, HeaderError, Headers,
    RouteError, Router, RouterBuilder, RoutingArgs, StaticFiles, TestClient, TestRequest,
    TestResponse, Validator, Violation,
};
pub use gateway_core::{http, Bytes};
// JSON in and out (the `json` feature, on by default).
#[cfg(feature = "json")]
pub use gateway_core::{json, serde_json};
// The attributes, and `#[snoop]`'s runtime (`gateway-snoop`): [`snoop::capture`],
// [`snoop::set_enabled`]; the attribute's generated code reaches it here too.
pub use gateway_macros::{snoop, wsgi_app};
pub use gateway_snoop as snoop;
// The server.
pub use gateway_server::{
    limits, make_server, port_from_args, run, Error, Result, Server, ServerBuilder, ShutdownHandle,
};

/// The guide in `docs/`, compiled and run as doctests so that it cannot rot.
#[cfg(doctest)]
mod guide {
    #[doc = include_str!("../docs/wsgi-developers.md")]
    struct WsgiDevelopers;
    #[doc = include_str!("../docs/middleware.md")]
    struct WritingMiddleware;
    #[doc = include_str!("../docs/routing.md")]
    struct RoutingAndMounting;
    #[doc = include_str!("../docs/snoop.md")]
    struct TracingWithSnoop;
    #[doc = include_str!("../docs/sharing-state.md")]
    struct SharingState;
    #[doc = include_str!("../docs/errors.md")]
    struct ErrorsAnd4xxAnswers;
    #[doc = include_str!("../docs/requests.md")]
    struct QueryStringsFormsCookiesAndJson;
    #[doc = include_str!("../docs/deploying.md")]
    struct Deploying;
}
