//! The gateway host: serves any [`gateway_core::Application`] over HTTP/1.0, HTTP/1.1 (keep-alive,
//! pipelining) and HTTP/2 (prior knowledge, same port), on hyper and tokio.
//!
//! One request goes one way: accept → hyper → [`Environ`](gateway_core::Environ) → application
//! → body → hyper. Plain `fn` applications run on a pool of application threads so that a slow one
//! never stalls other connections; `async` ones run on the I/O threads. Request bodies stream
//! into `wsgi.input`; response bodies stream out with backpressure.
//!
//! ```no_run
//! use gateway_core::{Environ, StartResponse};
//!
//! fn application(_environ: &Environ, start_response: StartResponse) -> &'static str {
//!     start_response("200 OK", &[("Content-Type", "text/plain")]);
//!     "Hello"
//! }
//!
//! fn main() -> gateway_server::Result<()> {
//!     let httpd = gateway_server::make_server("", 8000, application)?;
//!     println!("serving port 8000...");
//!     httpd.serve_forever()?;
//!     Ok(())
//! }
//! ```
#![deny(missing_docs)]

mod accept;
pub mod access_log;
mod body;
mod builder;
mod cli;
mod connections;
mod error;
mod harakiri;
mod inline;
mod input;
pub mod limits;
mod listeners;
mod max_connections;
mod metrics;
mod pace;
mod panics;
mod pool;
mod record;
mod refusals;
mod scheduling;
mod server;
mod service;
mod socket;
mod stats;
mod transport;

mod config;
mod forwarded;
mod handoff;
mod inherited;
mod logs;
#[cfg(unix)]
mod master;
mod notify;
mod pidfile;
mod proxy_protocol;
mod run;
mod sniff;
mod thread_state;
mod tls;
#[cfg(unix)]
mod unix_socket;
mod uwsgi;
mod worker;

pub use builder::ServerBuilder;
pub use cli::port_from_args;
pub use error::{Error, Result};
pub use logs::on_reopen_logs;
pub use run::{run, run_with, Serving};
pub use server::{make_server, Server, ShutdownHandle};
