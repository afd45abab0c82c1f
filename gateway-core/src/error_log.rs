//! The server's error log: where `wsgi.errors` lines and contract violations end up.

use crate::host::log::{self, Level};
use std::fmt;
use std::sync::Arc;

/// A destination for whole lines of the error log.
pub type ErrorSink = Arc<dyn Fn(&str) + Send + Sync>;

/// The server's error log, one whole line at a time: an [`ErrorSink`] the server was given;
/// else `tracing` events with target `wsgi.errors` when the program installed a subscriber;
/// else plain lines on stderr, as wsgiref prints its tracebacks. Cloning it is cheap; every request's
/// `wsgi.errors` stream and the exchange that sends its response write here.
#[derive(Clone, Default)]
pub struct ErrorLog {
    sink: Option<ErrorSink>,
}

impl ErrorLog {
    /// A log whose lines go to `sink`.
    pub fn to_sink(sink: ErrorSink) -> Self {
        Self { sink: Some(sink) }
    }

    /// Writes one whole line (without its newline).
    pub fn line(&self, line: &str) {
        match &self.sink {
            Some(sink) => sink(line),
            None if log::tracing_is_installed() => tracing::error!(target: "wsgi.errors", "{line}"),
            None => log::to_stderr(Level::Error, line),
        }
    }
}

impl fmt::Debug for ErrorLog {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(if self.sink.is_some() {
            "ErrorLog(sink)"
        } else {
            "ErrorLog(tracing)"
        })
    }
}
