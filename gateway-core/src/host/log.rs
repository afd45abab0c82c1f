//! The server's own log lines (start-up, shutdown, faults): through `tracing` when the
//! program installed a subscriber, else as plain lines on stderr, so that nothing a newcomer
//! needs to see vanishes because no subscriber was set up (wsgiref prints to stderr too).

use std::fmt;
use std::time::SystemTime;

/// How serious a line is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Level {
    /// Something failed: a 500's reason, a `wsgi.errors` line, a worker that could not start.
    Error,
    /// Something the operator should know about (a fault that was recovered from).
    Warn,
    /// What the server is doing: listening, shutting down.
    Info,
}

/// Writes one line of the server's log (target `gateway`).
pub fn log(level: Level, line: fmt::Arguments<'_>) {
    if tracing_is_installed() {
        match level {
            Level::Error => tracing::error!(target: "gateway", "{line}"),
            Level::Warn => tracing::warn!(target: "gateway", "{line}"),
            Level::Info => tracing::info!(target: "gateway", "{line}"),
        }
    } else {
        to_stderr(level, line);
    }
}

/// Whether a `tracing` subscriber will see events from this thread.
pub(crate) fn tracing_is_installed() -> bool {
    !tracing::dispatcher::get_default(|dispatch| dispatch.is::<tracing::subscriber::NoSubscriber>())
}

/// One plain line on stderr, no colour: `[date] level: text`.
pub(crate) fn to_stderr(level: Level, line: impl fmt::Display) {
    let level = match level {
        Level::Error => "error",
        Level::Warn => "warning",
        Level::Info => "info",
    };
    let date = httpdate::fmt_http_date(SystemTime::now());
    eprintln!("[{date}] {level}: {line}");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn without_a_subscriber_lines_go_to_stderr() {
        assert!(!tracing_is_installed());
    }

    #[test]
    fn with_a_subscriber_lines_go_through_tracing() {
        let subscriber = tracing::subscriber::NoSubscriber::new();
        // NoSubscriber is what "none installed" looks like; any other one counts.
        tracing::subscriber::with_default(subscriber, || assert!(!tracing_is_installed()));
        struct Any;
        impl tracing::Subscriber for Any {
            fn enabled(&self, _: &tracing::Metadata<'_>) -> bool {
                true
            }
            fn new_span(&self, _: &tracing::span::Attributes<'_>) -> tracing::span::Id {
                tracing::span::Id::from_u64(1)
            }
            fn record(&self, _: &tracing::span::Id, _: &tracing::span::Record<'_>) {}
            fn record_follows_from(&self, _: &tracing::span::Id, _: &tracing::span::Id) {}
            fn event(&self, _: &tracing::Event<'_>) {}
            fn enter(&self, _: &tracing::span::Id) {}
            fn exit(&self, _: &tracing::span::Id) {}
        }
        tracing::subscriber::with_default(Any, || assert!(tracing_is_installed()));
    }
}
