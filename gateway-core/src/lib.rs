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
//! | `environ['wsgi.input']` | [`Environ::input`] ([`InputReader`], `Read + BufRead`) |
//! | `environ['wsgi.errors']` | [`Environ::errors`] ([`Errors`], `Write`) |
//! | `start_response(status, headers)` | [`StartResponse`], called the same way |
//! | `start_response(status, headers, exc_info)` | [`StartResponse::with_exc_info`] |
//! | `http.HTTPStatus`, `'404 Not Found'` | [`Status`] (`&Status::NOT_FOUND` where a status string goes) |
//! | werkzeug's `abort(404)` / `HTTPException` | [`HttpError`], returned as an `Err` (`?`) |
//! | a closure application | [`app_fn`]: a closure whose parameter types are inferred |
//! | `json.loads(wsgi.input.read())`, `json.dumps` | `json` (feature `json`): `Environ::json`, `StartResponse::json` |
//! | the `write()` it returns | [`Writer`] |
//! | iterable of bytestrings, `close()` | [`Body`] (lazy or in memory), its `Drop` |
//! | `wsgiref.handlers.BaseHandler` (`run`, sending rules) | [`host::run`], [`host::Exchange`] (for servers) |
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
//! | `urllib.parse.parse_qs`, `cgi.FieldStorage`, `http.cookies` | [`forms`] ([`Environ::query`], [`Environ::form`], [`Environ::cookies`], [`forms::SetCookie`]) |
#![deny(missing_docs)]

mod app_fn;
mod application;
mod body;
mod contract_error;
mod environ;
mod error_log;
mod header_maps;
pub mod host;
mod http_error;
mod input;
#[cfg(feature = "json")]
pub mod json;
pub mod latin1;
mod limited_body;
mod percent;
mod start_response;
mod status;
pub mod testing;
mod wsgi_errors;

mod file_wrapper;
pub mod forms;
mod headers;
pub mod python_repr;
pub mod redact;
mod router;
mod static_files;
pub mod util;
mod validate;

pub use app_fn::app_fn;
pub use application::{Application, BodyFuture, Outcome};
pub use body::{Body, IntoBody, IntoChunk};
pub use contract_error::ContractError;
pub use environ::{Environ, EnvironBuilder, Extension, Value, ValueRef};
pub use error_log::{ErrorLog, ErrorSink};
pub use file_wrapper::{FileWrapper, FileWrapperClass};
pub use headers::{HeaderError, Headers};
pub use http_error::HttpError;
pub use input::InputReader;
pub use router::{RouteError, Router, RouterBuilder, RoutingArgs};
pub use start_response::{is_hop_by_hop, Intercept, StartResponse, Writer, HOP_BY_HOP};
pub use static_files::StaticFiles;
pub use status::Status;
pub use testing::{TestClient, TestRequest, TestResponse};
pub use validate::{validator, Validator, Violation};
pub use wsgi_errors::Errors;

pub use bytes::Bytes;
pub use http;
#[cfg(feature = "json")]
pub use serde_json;
