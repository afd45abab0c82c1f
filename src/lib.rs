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
//! This crate re-exports the parts: the contract from `gateway-core`, `#[wsgi_app]` and
//! `#[snoop]` (pysnooper's trace of a function) from `gateway-macros`, and the server from
//! `gateway-server`.
#![deny(missing_docs)]

pub use gateway_core::*;
pub use gateway_macros::snoop;
pub use gateway_macros::wsgi_app;
pub use gateway_server::*;

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
}
