//! The WSGI contract (PEP 3333) in Rust, with no runtime inside.
//!
//! An application is called once per request with an [`Environ`] (the request as PEP 3333's
//! dict of CGI keys) and a [`StartResponse`] (called as a function to give the status and
//! headers), and returns its body: anything [`IntoBody`]. [`Application`] is the trait every
//! application, router and middleware implements; a middleware author needs only this crate.
//!
//! | PEP 3333 / wsgiref | gateway-core |
//! |---|---|
//! | `application(environ, start_response)` | [`Application`], or a fn with `#[wsgi_app]` |
//! | `environ` dict | [`Environ`] (`environ["PATH_INFO"]`, [`Environ::get`], [`Environ::insert`]) |
//! | `environ['wsgi.input']` | [`Environ::input`] ([`Input`], `Read + BufRead`) |
//! | `environ['wsgi.errors']` | [`Environ::errors`] ([`Errors`], `Write`) |
//! | `start_response(status, headers)` | [`StartResponse`], called the same way |
//! | `start_response(status, headers, exc_info)` | [`StartResponse::with_exc_info`] |
//! | the `write()` it returns | [`Writer`] |
//! | iterable of bytestrings, `close()` | [`Body`] (lazy or in memory), its `Drop` |
//! | `wsgiref.handlers.BaseHandler` sending rules | [`Exchange`] |
//! | `wsgiref.util.is_hop_by_hop` | [`is_hop_by_hop`] |
//! | werkzeug's test client | [`TestClient`] |
//! | Routes / Selector / werkzeug's `DispatcherMiddleware` | [`Router`] |
//! | `wsgiorg.routing_args` | [`RoutingArgs`], [`Environ::route_param`] |
//! | `wsgiref.util` (`request_uri`, `shift_path_info`, ...) | [`util`] |
//! | `wsgiref.util.FileWrapper`, `wsgi.file_wrapper` | [`FileWrapper`] |
//! | `wsgiref.headers.Headers` | [`Headers`] |
//! | `wsgiref.validate.validator` | [`validator`] |
//! | uWSGI `--static-map`, WhiteNoise | [`StaticFiles`] |
//! | `repr()` of a `str` or `bytes` | [`python_repr`] |
#![deny(missing_docs)]

mod application;
mod body;
mod environ;
mod error;
mod errors;
mod handler;
mod header_maps;
mod input;
pub mod latin1;
mod start_response;
pub mod testing;

pub mod file_wrapper;
pub mod headers;
pub mod python_repr;
pub mod router;
pub mod static_files;
pub mod util;
pub mod validate;

pub use application::{Application, BodyFuture, Outcome};
pub use body::{Body, IntoBody, IntoChunk};
pub use environ::{
    Connection, Environ, EnvironBuilder, Extension, Value, ValueRef, SERVER_SOFTWARE,
};
pub use error::ContractError;
pub use errors::{ErrorSink, Errors};
pub use file_wrapper::FileWrapper;
pub use handler::{Exchange, Start, SERVER_ERROR_BODY};
pub use headers::Headers;
pub use input::{Input, InputReader, InputSource};
pub use router::{RouteError, Router, RouterBuilder, RoutingArgs};
pub use start_response::{
    is_hop_by_hop, parse_head, Intercept, ResponseHead, StartResponse, StartResponseFn, Writer,
    HOP_BY_HOP,
};
pub use static_files::StaticFiles;
pub use testing::{TestClient, TestRequest, TestResponse};
pub use validate::{validator, Validator};

pub use bytes::Bytes;
pub use http;
