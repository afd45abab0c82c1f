//! The runtime of gateway's `#[snoop]`: pysnooper's trace, printed by the code the
//! attribute generates.
//!
//! `#[snoop]` (in `gateway-macros`, re-exported as `gateway::snoop`) rewrites a function's
//! body at compile time so that each call reports what pysnooper reports, line for line:
//!
//! ```text
//! Source path:... /home/me/gateway/examples/hello.rs
//! Starting var:.. environ = {'REQUEST_METHOD': 'GET', 'SCRIPT_NAME': '', 'PATH_INFO': '/Alice', ...}
//! Starting var:.. start_response = <start_response: not called>
//! 18:13:32.514938 call        13 pub fn application(environ: &Environ, start_response: StartResponse) -> Vec<Vec<u8>> {
//! 18:13:32.514981 line        14     start_response("200 OK", &[("Content-Type", "text/html")]);
//! 18:13:32.514993 line        15     let name = environ["PATH_INFO"].get(1..).unwrap_or(""); // Python's [1:]: never panics
//! New var:....... name = "Alice"
//! 18:13:32.515002 line        16     let body = format!(
//! New var:....... body = "<h1>Hello, Alice!</h1>"
//! 18:13:32.515013 line        20     vec![body.into_bytes()]
//! 18:13:32.515029 return      20     vec![body.into_bytes()]
//! Return value:.. [b'<h1>Hello, Alice!</h1>']
//! Elapsed time: 00:00:00.000236
//! ```
//!
//! - `Source path` once per call, `Starting var` for each argument, then a `call` event on
//!   the line of `fn`, a `line` event (time of day, or time since the call with
//!   `relative_time`) before each statement, `New var` / `Modified var` when a variable is
//!   bound or changes, and `return`, `Return value`, `Elapsed time` at the end; `Call ended
//!   by panic` (or `by cancellation`, for a dropped future) when the body never returned.
//! - Values print with `Debug`; bytes (`Vec<u8>`, `&[u8]` and lists of them) as Python
//!   prints `bytes` (`b'...'`); a value whose type has no `Debug` as `<its::Type>`. Values
//!   longer than `max_variable_length` (100 characters by default) are shortened with `...`
//!   in the middle.
//! - A traced call made inside a traced call is indented under it, on whichever thread
//!   polls it for an `async fn`.
//! - Each line is built into one `String` and written with one locked write, so lines from
//!   concurrent calls never interleave inside a line.
//!
//! The attribute takes pysnooper's options: `output` (stderr by default, a file path, or
//! `"tracing"`: one `INFO` event per line with target `gateway::snoop`), `watch`, `prefix`,
//! `max_variable_length`, `relative_time`, `thread_info` and `color`; its documentation
//! lists them.
//!
//! Nothing here needs calling by hand except the switches: setting the environment variable
//! `GATEWAY_SNOOP=off` (or `0`, `false`, `no`) silences every trace without recompiling, and
//! [`set_enabled`] does so from code; [`capture`] collects the trace of a closure into a
//! `String`, for tests.
//!
//! A user of the `gateway` facade reaches this crate as `gateway::snoop`
//! (`gateway::snoop::capture`); without the facade, depend on `gateway-macros` for the
//! attribute and on `gateway-snoop` for this runtime.
#![deny(missing_docs)]

mod active;
mod body;
mod capture;
mod frame;
mod options;
mod palette;
mod shorten;
mod switch;
mod time;
mod tracer;
mod value;

pub use capture::capture;
pub use switch::{enabled, set_enabled};

/// What the code `#[snoop]` generates names: not an API, and free to change with the
/// attribute.
#[doc(hidden)]
pub mod __private {
    pub use crate::body::{call, typed};
    pub use crate::frame::{Frame, Polled};
    pub use crate::options::{Color, Options, Output};
    pub use crate::tracer::Tracer;
    pub use crate::value::{ReprDebug, ReprName, Value};
}
