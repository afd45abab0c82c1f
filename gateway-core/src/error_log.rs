//! The server's error log: where `wsgi.errors` lines and contract violations end up.

use std::fmt;
use std::sync::Arc;

/// A destination for whole lines of the error log.
pub type ErrorSink = Arc<dyn Fn(&str) + Send + Sync>;

/// The server's error log, one whole line at a time: a [`ErrorSink`] the server was given, or
/// `tracing` events with target `wsgi.errors`. Cloning it is cheap; every request's
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
            None => tracing::error!(target: "wsgi.errors", "{line}"),
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
